// The report page's style sheet, inline in the page: system fonts only (nothing to fetch), the
// figures' Okabe–Ito colours (`Chart.palette`), and a print style (`@media print`): no
// background tints but the verdicts', tables and figures kept whole on a page, links in plain
// ink.

enum ReportStyle {
  static let blue = Chart.palette[0]
  static let vermillion = Chart.palette[1]
  static let green = Chart.palette[2]
  static let orange = Chart.palette[4]

  static let css = """
    :root {
      --blue: \(blue); --vermillion: \(vermillion); --green: \(green); --orange: \(orange);
      --ink: #1f1f1f; --muted: #555555; --rule: #d4d4d4; --shade: #f3f5f7;
    }
    * { box-sizing: border-box; }
    html { background: #ffffff; }
    body {
      margin: 0 auto; max-width: 1200px; padding: 20px 32px 48px; color: var(--ink);
      font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Helvetica, Arial, sans-serif;
    }
    h1 { font-size: 26px; margin: 8px 0 2px; }
    h2 { font-size: 21px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--blue); }
    h3 { font-size: 17px; margin: 26px 0 6px; }
    a { color: var(--blue); }
    .meta { color: var(--muted); font-size: 13px; margin: 0; overflow-wrap: anywhere; }
    footer.meta { margin-top: 40px; border-top: 1px solid var(--rule); padding-top: 8px; }
    nav.toc { background: var(--shade); border-left: 4px solid var(--blue); padding: 4px 20px 10px; margin: 18px 0; }
    nav.toc h2 { border: none; margin: 8px 0 4px; font-size: 17px; }
    nav.toc ol { margin: 2px 0; padding-left: 22px; }
    nav.toc ol ol { font-size: 14px; columns: 2 320px; column-gap: 28px; }
    nav.toc li { break-inside: avoid; }
    pre.scenario {
      background: var(--shade); border: 1px solid var(--rule); padding: 10px 14px; overflow-x: auto;
      font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; tab-size: 4;
    }
    code { font: 0.92em ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; background: var(--shade); padding: 0 3px; }
    .table-wrap { overflow-x: auto; margin: 6px 0 18px; }
    table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
    caption { text-align: left; font-weight: 600; padding: 2px 0 6px; }
    th, td { padding: 3px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
    th { background: var(--shade); border-bottom: 2px solid #9a9a9a; white-space: nowrap; }
    td.num, th.num { text-align: right; white-space: nowrap; }
    tbody tr:nth-child(even) td { background: #fafbfc; }
    table.claims td { min-width: 9em; }
    table.claims td:first-child { min-width: 16em; }
    .small { font-size: 12.5px; color: var(--muted); margin-top: 2px; overflow-wrap: anywhere; }
    .note { color: var(--muted); font-size: 13.5px; }
    .warning { border-left: 4px solid var(--orange); padding-left: 10px; }
    ul.facts { padding-left: 20px; }
    .verdicts { line-height: 2.1; }
    .claim-verdict { white-space: nowrap; margin-right: 10px; }
    .claim-id { font-weight: 600; }
    .verdict {
      display: inline-block; padding: 0 7px; border: 1.5px solid; border-radius: 3px; font-size: 13px;
      font-weight: 600; white-space: nowrap; line-height: 1.6;
    }
    .verdict.reproduced { color: #00513b; border-color: var(--green); background: #e2f3ed; }
    .verdict.not-reproduced { color: #7f3300; border-color: var(--vermillion); background: #fbe9dd; }
    .verdict.favours { color: #00406b; border-color: var(--blue); background: #e3eef7; }
    .verdict.neither { color: #444444; border-color: #8a8a8a; background: #f2f2f2; }
    .verdict.not-tested { color: #444444; border-color: #8a8a8a; border-style: dashed; background: #f2f2f2; }
    figure { margin: 22px 0 30px; }
    figure svg { display: block; max-width: 100%; height: auto; border: 1px solid var(--rule); }
    figcaption { font-size: 14px; margin-top: 6px; }
    figcaption .file { color: var(--muted); font: 12.5px ui-monospace, "DejaVu Sans Mono", monospace; margin-left: 6px; }
    @media print {
      @page { margin: 14mm 12mm; }
      body { max-width: none; padding: 0; font-size: 10pt; }
      h1 { font-size: 17pt; }
      h2 { font-size: 14pt; break-after: avoid; }
      h3, caption { break-after: avoid; }
      #figures, #analysis { break-before: page; }
      nav.toc { background: none; border-left: 2px solid var(--blue); }
      a { color: inherit; text-decoration: none; }
      pre.scenario { white-space: pre-wrap; overflow: visible; font-size: 8pt; background: none; }
      .table-wrap { overflow: visible; }
      table { font-size: 8.5pt; }
      .small, .note { font-size: 8pt; }
      tr, figure { break-inside: avoid; }
      th, tbody tr:nth-child(even) td { background: none; }
      .verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
      figure svg { border: none; }
    }

    """
}
