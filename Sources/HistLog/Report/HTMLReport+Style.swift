extension HTMLReport {
    /// The page's stylesheet.
    static let style = #"""
        :root { --fg:#1f2328; --muted:#656d76; --line:#d0d7de; --bg:#f6f8fa; --card:#fff;
          --err:#cf222e; --warn:#9a6700; --ok:#1a7f37; }
        * { box-sizing:border-box; }
        [hidden] { display:none !important; }
        body { margin:0; font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); }
        header { padding:14px 20px 10px; background:#24292f; color:#fff; }
        header h1 { margin:0; font-size:20px; font-weight:600; }
        #meta { color:#c9d1d9; font-size:12px; margin-top:2px; word-break:break-all; }
        #findings { margin:14px 20px 0; border:1px solid var(--line); border-radius:6px; background:var(--card); }
        #findings h2 { margin:0; padding:8px 12px; font-size:15px; border-bottom:1px solid var(--line); }
        #findings.ok h2 { color:var(--ok); border-bottom:0; }
        #findings.bad h2 { color:var(--err); background:#ffebe9; }
        #findings.warn h2 { color:var(--warn); background:#fff8c5; }
        #findings table { border-collapse:collapse; width:100%; font-size:13px; }
        #findings td, #findings th { text-align:left; padding:4px 12px; border-top:1px solid #eaeef2; vertical-align:top; }
        #findings th { color:var(--muted); font-weight:500; border-top:0; }
        #findings td.step { font-variant-numeric:tabular-nums; white-space:nowrap; }
        #findings a { color:#0969da; text-decoration:none; word-break:break-all; }
        #findings a:hover { text-decoration:underline; }
        .sev { display:inline-block; padding:0 6px; border-radius:10px; font-size:11px; font-weight:600; color:#fff; }
        .sev.error { background:var(--err); } .sev.warning { background:#bf8700; }
        #toolbar { position:sticky; top:0; z-index:5; display:flex; flex-wrap:wrap; gap:14px; align-items:center;
          padding:10px 20px; background:rgba(246,248,250,.96); border-bottom:1px solid var(--line); }
        #filter { width:340px; padding:5px 8px; border:1px solid var(--line); border-radius:6px; font:inherit; }
        #shown { color:var(--muted); font-size:12px; }
        .legend { margin-left:auto; color:var(--muted); font-size:12px; }
        .sw { display:inline-block; width:14px; height:10px; margin:0 3px 0 8px; vertical-align:-1px; }
        .sw.b0 { background:#c6dbef; } .sw.b1 { background:#9ecae1; } .sw.b2 { background:#6baed6; }
        .sw.med { background:#08519c; height:3px; vertical-align:2px; }
        main { padding:6px 20px 40px; }
        details.group { margin:8px 0 0; }
        details.group > summary { cursor:pointer; font-weight:600; font-size:15px; padding:4px 0; }
        details.group > summary .count { color:var(--muted); font-weight:400; font-size:12px; margin-left:6px; }
        details.group details.group { margin-left:14px; }
        .cards { display:grid; grid-template-columns:repeat(auto-fill,minmax(640px,1fr)); gap:12px; margin:6px 0; }
        .card { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:8px 10px 6px; min-width:0; }
        .card.has-error { border-left:4px solid var(--err); } .card.has-warning { border-left:4px solid #bf8700; }
        .card h3 { margin:0; font-size:14px; font-weight:600; display:flex; gap:8px; align-items:baseline; min-width:0; }
        .card h3 .name { overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
        .card .full { color:var(--muted); font-size:11px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
        .role { font-size:10px; font-weight:600; text-transform:uppercase; letter-spacing:.04em; padding:1px 5px; border-radius:4px; flex:none; }
        .role.parameter { background:#ddf4ff; color:#0550ae; } .role.gradient { background:#fff1e5; color:#bc4c00; }
        .role.activation { background:#dafbe1; color:#116329; } .role.other { background:#eaeef2; color:#57606a; }
        .badge { font-size:11px; font-weight:600; color:var(--err); flex:none; }
        .charts { display:flex; gap:10px; margin-top:4px; height:196px; }
        .chart { position:relative; width:300px; height:196px; flex:none; }
        .chart .label { position:absolute; left:6px; top:0; font-size:10px; color:var(--muted); text-transform:uppercase; letter-spacing:.05em; }
        .chart.band .label { left:54px; }
        .chart svg { display:block; }
        .chart svg text { font-size:10px; fill:#57606a; font-family:inherit; }
        .stats { display:grid; grid-template-columns:repeat(7,1fr); gap:0 8px; margin-top:4px; font-size:12px; }
        .stats div { min-width:0; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
        .stats b { display:block; font-weight:400; color:var(--muted); font-size:10px; }
        .stats .bad { color:var(--err); font-weight:600; }
        .note { color:var(--muted); font-size:11px; margin-top:2px; }
        .empty { color:var(--muted); padding:40px 0; text-align:center; }
        #tip { position:fixed; z-index:10; pointer-events:none; background:#24292f; color:#fff; font-size:12px;
          padding:6px 8px; border-radius:4px; white-space:pre; font-variant-numeric:tabular-nums; }
        """#
}
