"""The programme report's one stylesheet, inline in the file: the system's own fonts (nothing
to download), black on white, and print rules for A4: each major section on a new page, no
table row or group block cut across two pages, the table heads repeated on each page, and
meaning never carried by colour alone (hidden counts are "–", not-running cells in italics)."""

STYLE = """
@page { size: A4; margin: 14mm 12mm 16mm; }
* { box-sizing: border-box; }
body { font-family: system-ui, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial,
  sans-serif; color: #000; background: #fff; margin: 0 auto; padding: 12px; max-width: 1100px;
  font-size: 14px; line-height: 1.4; }
h1 { font-size: 1.7em; margin: 0 0 .2em; }
h2 { font-size: 1.35em; border-bottom: 2px solid #000; padding-bottom: .15em; }
h3 { font-size: 1.05em; margin: 1em 0 .3em; }
.facts { margin: 0 0 .6em; }
.about-hidden, .note { font-size: .9em; }
.about-hidden { border: 1px solid #000; padding: .4em .6em; }
nav ol { columns: 2; margin: .5em 0; }
a { color: #1f3b5c; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr));
  gap: 8px; }
.card { border: 1px solid #000; padding: 6px 10px; break-inside: avoid; }
.card h3 { margin: 0; font-size: .95em; font-weight: normal; }
.card .big { font-size: 1.9em; font-weight: bold; margin: 0; }
.card .of { margin: 0; font-size: .9em; }
.card .of span { font-size: .9em; }
figure { margin: 0 0 1em; break-inside: avoid; }
figcaption { font-weight: bold; margin: .5em 0 .2em; }
svg.chart { width: 100%; height: auto; font-size: 11px; }
svg.chart text { fill: #000; }
svg.chart .grid { stroke: #bbb; stroke-width: .5; }
svg.chart .axis { stroke: #000; stroke-width: 1; }
svg.chart .value { font-size: 9px; }
svg.chart .hidden { font-weight: bold; }
svg.chart .year { fill: #333; }
table { border-collapse: collapse; width: 100%; margin: .3em 0 .6em;
  font-variant-numeric: tabular-nums; font-size: .85em; }
caption { text-align: left; font-size: .85em; color: #333; caption-side: top; }
th, td { border: 1px solid #777; padding: 2px 5px; }
thead th { background: #eee; font-weight: bold; text-align: right; }
thead th:first-child, tbody th { text-align: left; font-weight: normal; }
td { text-align: right; white-space: nowrap; }
td.hidden { font-weight: bold; text-align: center; }
td.na { color: #666; font-style: italic; }
table.definitions td { text-align: left; white-space: normal; }
.meta { margin: 0; font-size: .9em; }
.block { break-inside: avoid; }
tr, thead { break-inside: avoid; }
thead { display: table-header-group; }
@media print {
  body { padding: 0; max-width: none; font-size: 10.5pt; }
  section.major { break-before: page; }
  a { color: #000; text-decoration: none; }
  thead th { background: none; }
}
"""
