/**
 * The observer's page: one HTML file, one script and one style sheet, kept here as
 * strings so that they ship inside the package's bundle with nothing to copy. The
 * script builds every element with `textContent`, never `innerHTML`: whatever a
 * process holds is shown as text. The server's Content-Security-Policy allows only
 * these two files (no inline script), a second guard.
 */

/** The page. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>otp-ts observer</title>
<link rel="stylesheet" href="app.css">
<script src="app.js" defer></script>
</head>
<body>
<header>
  <h1>otp-ts observer</h1>
  <span id="runtime" data-testid="runtime"></span>
  <label>node <select id="node" data-testid="node"></select></label>
  <span id="count" data-testid="count"></span>
  <span id="updated" data-testid="updated"></span>
</header>
<main>
  <section id="tree-section">
    <h2>Supervision tree</h2>
    <div id="tree" data-testid="tree"></div>
  </section>
  <section id="table-section">
    <h2>Processes</h2>
    <table id="table" data-testid="processes">
      <thead><tr>
        <th data-sort="pid">pid</th>
        <th data-sort="name">name</th>
        <th>behaviour</th>
        <th data-sort="queue">mailbox</th>
        <th data-sort="handled">handled</th>
      </tr></thead>
      <tbody></tbody>
    </table>
    <div class="pager">
      <button id="prev" data-testid="prev">&larr; previous</button>
      <span id="page" data-testid="page"></span>
      <button id="next" data-testid="next">next &rarr;</button>
    </div>
  </section>
  <section id="process-section">
    <h2>Process</h2>
    <div id="process" data-testid="process"><p class="hint">Pick a process in the tree or the table.</p></div>
  </section>
</main>
<footer>
  <section>
    <h2>Trace <span id="trace-status" data-testid="trace-status"></span></h2>
    <button id="trace-all" data-testid="trace-all">Trace all processes</button>
    <button id="trace-stop" data-testid="trace-stop">Stop trace</button>
    <ol id="trace" data-testid="trace"></ol>
  </section>
  <section>
    <h2>Restarts</h2>
    <ol id="restarts" data-testid="restarts"></ol>
  </section>
  <section>
    <h2>Crash reports</h2>
    <ol id="crashes" data-testid="crashes"></ol>
  </section>
</footer>
</body>
</html>
`;

/** The page's style sheet. */
export const PAGE_CSS = `
:root { font-family: system-ui, sans-serif; font-size: 14px; color: #1d232a; background: #f6f7f9; }
body { margin: 0; }
header { display: flex; gap: 1.5em; align-items: baseline; padding: .6em 1em; background: #1f3a5f; color: #fff; }
header h1 { font-size: 1.2em; margin: 0; }
main { display: grid; grid-template-columns: minmax(220px, 1fr) minmax(380px, 2fr) minmax(300px, 2fr); gap: 1em; padding: 1em; }
footer { display: grid; grid-template-columns: 2fr 1fr 1fr; gap: 1em; padding: 0 1em 1em; }
section { background: #fff; border: 1px solid #d6dbe1; border-radius: 6px; padding: .6em .8em; min-width: 0; }
h2 { font-size: 1em; margin: 0 0 .5em; }
#tree ul { list-style: none; padding-left: 1.1em; margin: 0; }
#tree > ul { padding-left: 0; }
.node { cursor: pointer; padding: 1px 4px; border-radius: 3px; white-space: nowrap; }
.node:hover, tr.row:hover { background: #e8eef6; }
.node.selected, tr.selected { background: #cfe0f5; }
.behaviour { color: #6b7785; font-size: .9em; margin-left: .4em; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eef0f3; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 16em; }
th[data-sort] { cursor: pointer; text-decoration: underline dotted; }
th.sorted { background: #e8eef6; }
tr.row { cursor: pointer; }
.pager { display: flex; gap: 1em; align-items: center; margin-top: .5em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 1em; margin: 0 0 .6em; }
dt { color: #6b7785; }
dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #f3f5f7; padding: .5em; overflow: auto; max-height: 22em; white-space: pre-wrap; overflow-wrap: anywhere; }
.pid-link { color: #1f5fae; cursor: pointer; margin-right: .5em; }
.actions { display: flex; gap: .5em; flex-wrap: wrap; }
button { font: inherit; padding: 2px 10px; cursor: pointer; }
button.danger { background: #b3261e; color: #fff; border: 1px solid #8c1d17; border-radius: 3px; }
ol { margin: 0; padding-left: 1.4em; max-height: 16em; overflow: auto; font-family: ui-monospace, monospace; font-size: .9em; }
.hint { color: #6b7785; }
`;

/** The page's script: no framework, every value set with textContent. */
export const PAGE_JS = `'use strict';
(function () {
  var params = new URLSearchParams(location.search);
  var token = params.get('token');
  var view = { sort: 'queue', offset: 0, limit: 50, node: null };
  var selected = null;
  var source = null;
  var last = null;
  var traceLines = [];

  function q(path) {
    var sep = path.indexOf('?') < 0 ? '?' : '&';
    return token === null ? path : path + sep + 'token=' + encodeURIComponent(token);
  }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function $(id) { return document.getElementById(id); }
  function time(at) { return new Date(at).toLocaleTimeString(); }
  function post(path, body) {
    return fetch(q(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) })
      .then(function (r) { return r.json(); });
  }

  function connect() {
    if (source) source.close();
    source = new EventSource(q('events?sort=' + view.sort + '&offset=' + view.offset + '&limit=' + view.limit +
      (view.node === null ? '' : '&node=' + encodeURIComponent(view.node))));
    source.addEventListener('node-error', function (e) {
      $('updated').textContent = 'node ' + JSON.parse(e.data).node + ' did not answer: ' + JSON.parse(e.data).error;
    });
    source.addEventListener('snapshot', function (e) { render(JSON.parse(e.data)); });
    source.addEventListener('trace', function (e) { addTrace(JSON.parse(e.data)); });
    source.addEventListener('trace-end', function (e) {
      var end = JSON.parse(e.data);
      $('trace-status').textContent = '(ended: ' + end.endReason + ')';
    });
  }

  function label(node) { return node.name !== null ? node.name + ' ' + node.pid : node.pid; }

  function renderTree(roots) {
    var box = $('tree');
    clear(box);
    function branch(nodes) {
      var ul = el('ul');
      nodes.forEach(function (n) {
        var li = el('li');
        var span = el('span', label(n), 'node' + (n.pid === selected ? ' selected' : ''));
        span.dataset.pid = n.pid;
        if (n.name !== null) span.dataset.name = n.name;
        if (n.behaviour) span.appendChild(el('span', n.behaviour, 'behaviour'));
        span.addEventListener('click', function () { select(n.pid); });
        li.appendChild(span);
        if (n.children.length > 0) li.appendChild(branch(n.children));
        if (n.more > 0) li.appendChild(el('div', '… and ' + n.more + ' more', 'hint'));
        ul.appendChild(li);
      });
      return ul;
    }
    if (roots.length === 0) box.appendChild(el('p', 'No supervisor running.', 'hint'));
    else box.appendChild(branch(roots));
  }

  function renderTable(table) {
    var body = $('table').tBodies[0];
    clear(body);
    table.rows.forEach(function (r) {
      var tr = el('tr', null, 'row' + (r.pid === selected ? ' selected' : ''));
      tr.dataset.pid = r.pid;
      [r.pid, r.name, r.behaviour, r.queue, r.handled].forEach(function (v) { tr.appendChild(el('td', v === null ? '' : v)); });
      tr.addEventListener('click', function () { select(r.pid); });
      body.appendChild(tr);
    });
    var heads = document.querySelectorAll('th[data-sort]');
    for (var i = 0; i < heads.length; i++) heads[i].classList.toggle('sorted', heads[i].dataset.sort === table.sort);
    var last = Math.min(table.total, table.offset + table.rows.length);
    $('page').textContent = (table.total === 0 ? 0 : table.offset + 1) + '–' + last + ' of ' + table.total;
    $('prev').disabled = table.offset === 0;
    $('next').disabled = table.offset + table.limit >= table.total;
  }

  function renderList(id, items, text) {
    var list = $(id);
    clear(list);
    items.forEach(function (item) { list.appendChild(el('li', text(item))); });
  }

  function renderNodes(s) {
    var box = $('node');
    var names = Array.prototype.map.call(box.options, function (o) { return o.value; });
    if (names.join(' ') !== s.nodes.join(' ')) {
      clear(box);
      s.nodes.forEach(function (n) { var o = el('option', n); o.value = n; box.appendChild(o); });
    }
    box.value = s.node;
  }

  /** Whether the page looks at another node than the observer's own (read-only there). */
  function remote() { return last !== null && last.node !== last.nodes[0]; }

  function render(s) {
    last = s;
    renderNodes(s);
    $('runtime').textContent = 'runtime ' + s.runtime;
    $('count').textContent = s.processes + ' processes';
    $('updated').textContent = 'updated ' + time(s.at);
    $('updated').dataset.at = String(s.at);
    renderTree(s.tree);
    renderTable(s.table);
    renderList('restarts', s.restarts, function (r) {
      return time(r.at) + ' ' + r.supervisor + ' restarted ' + r.childId + ' (' + r.reason + '): ' + r.oldPid + ' -> ' + r.newPid;
    });
    renderList('crashes', s.crashes, function (c) { return time(c.at) + ' ' + (c.name || c.pid) + ': ' + c.reason; });
    if (s.trace.running) $('trace-status').textContent = '(running on ' + s.trace.target + ')';
    else if (s.trace.endReason) $('trace-status').textContent = '(ended: ' + s.trace.endReason + ')';
  }

  function addTrace(line) {
    traceLines.push(line);
    if (traceLines.length > 300) traceLines.shift();
    var list = $('trace');
    list.appendChild(el('li', time(line.at) + ' ' + line.pid + ' ' + line.text));
    while (list.childNodes.length > 300) list.removeChild(list.firstChild);
    list.scrollTop = list.scrollHeight;
  }

  function pidLinks(pids) {
    var span = el('span');
    if (pids.length === 0) span.textContent = '—';
    pids.forEach(function (p) {
      var a = el('span', p, 'pid-link');
      a.addEventListener('click', function () { select(p); });
      span.appendChild(a);
    });
    return span;
  }

  function select(pid) {
    selected = pid;
    if (last) { renderTree(last.tree); renderTable(last.table); }
    var box = $('process');
    fetch(q('api/process?pid=' + encodeURIComponent(pid) + (view.node === null ? '' : '&node=' + encodeURIComponent(view.node)))).then(function (r) { return r.json(); }).then(function (p) {
      clear(box);
      if (p.error) { box.appendChild(el('p', p.error, 'hint')); return; }
      box.appendChild(el('h3', label(p)));
      var dl = el('dl');
      function row(k, v) { dl.appendChild(el('dt', k)); var dd = el('dd'); if (v instanceof Node) dd.appendChild(v); else dd.textContent = v === null ? '—' : String(v); dl.appendChild(dd); }
      row('pid', p.pid);
      row('name', p.name);
      row('behaviour', p.behaviour);
      row('status', p.status);
      row('mailbox', p.messageQueueLen);
      row('handled', p.messagesHandled);
      row('traps exits', p.trapExit);
      row('parent', p.parent === null ? '—' : pidLinks([p.parent]));
      row('links', pidLinks(p.links));
      row('monitors', pidLinks(p.monitors));
      row('monitored by', pidLinks(p.monitoredBy));
      box.appendChild(dl);
      if (p.state !== null) {
        box.appendChild(el('h4', 'State'));
        var pre = el('pre', p.state);
        pre.dataset.testid = 'state';
        box.appendChild(pre);
      }
      var actions = el('div', null, 'actions');
      var traceBtn = el('button', 'Trace this process');
      // Traces run on the observer's own node.
      traceBtn.disabled = remote();
      traceBtn.dataset.testid = 'trace-process';
      traceBtn.addEventListener('click', function () { startTrace(p.pid); });
      var kill = el('button', 'Kill…');
      kill.dataset.testid = 'kill';
      kill.addEventListener('click', function () {
        kill.disabled = true;
        var confirm = el('span');
        confirm.appendChild(el('span', 'Kill ' + label(p) + '? '));
        var yes = el('button', 'Yes, kill it', 'danger');
        yes.dataset.testid = 'confirm-kill';
        var no = el('button', 'Cancel');
        no.addEventListener('click', function () { confirm.remove(); kill.disabled = false; });
        yes.addEventListener('click', function () {
          post('api/kill', { pid: p.pid, node: view.node }).then(function () { confirm.remove(); box.appendChild(el('p', 'Killed ' + p.pid + '.', 'hint')); });
        });
        confirm.appendChild(yes);
        confirm.appendChild(no);
        actions.appendChild(confirm);
      });
      actions.appendChild(traceBtn);
      actions.appendChild(kill);
      box.appendChild(actions);
    });
  }

  function startTrace(target) {
    clear($('trace'));
    traceLines = [];
    post('api/trace', { target: target }).then(function (t) {
      $('trace-status').textContent = t.error ? '(' + t.error + ')' : '(running on ' + t.target + ')';
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var heads = document.querySelectorAll('th[data-sort]');
    for (var i = 0; i < heads.length; i++) {
      heads[i].addEventListener('click', function (e) {
        view.sort = e.currentTarget.dataset.sort;
        view.offset = 0;
        connect();
      });
    }
    $('prev').addEventListener('click', function () { view.offset = Math.max(0, view.offset - view.limit); connect(); });
    $('next').addEventListener('click', function () { view.offset += view.limit; connect(); });
    $('trace-all').addEventListener('click', function () { startTrace('all'); });
    $('trace-stop').addEventListener('click', function () { post('api/trace/stop'); });
    $('node').addEventListener('change', function () {
      view.node = this.value === (last && last.nodes[0]) ? null : this.value;
      view.offset = 0;
      selected = null;
      clear($('process'));
      connect();
    });
    connect();
  });
})();
`;
