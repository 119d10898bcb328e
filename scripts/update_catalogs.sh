#!/usr/bin/env bash
# Re-extract every translatable string and merge it into the catalogs of each language.
# Interface strings: domain "foyer" (babel.cfg); curriculum strings: domain "content".
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel extract -F babel.cfg --no-location --sort-output --project=Foyer \
  --copyright-holder="Foyer contributors" -o locales/foyer.pot bot
for lang in fr es bm; do
  po="locales/$lang/LC_MESSAGES/foyer.po"
  if [ -f "$po" ]; then
    pybabel update -D foyer -i locales/foyer.pot -d locales -l "$lang" --no-fuzzy-matching
  else
    pybabel init -D foyer -i locales/foyer.pot -d locales -l "$lang"
  fi
done
