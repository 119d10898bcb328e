from bot.cli import main

if __name__ == "__main__":  # `python -m bot`; importing the module runs nothing
    raise SystemExit(main())
