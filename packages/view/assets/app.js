/* swe-flow view: the pages of a static report. Data comes from site-data/*.js files that call
   window.__sweflowData(name, value); they are loaded on demand so a large release opens fast, and as
   scripts (not fetch) so the site works from disk. No request leaves the site's folder. */
(function () {
  'use strict';

  var pending = {};
  var loaded = {};
  window.__sweflowData = function (name, value) {
    loaded[name] = value;
    if (pending[name]) pending[name].resolve(value);
  };

  function load(name, file) {
    if (Object.prototype.hasOwnProperty.call(loaded, name)) return Promise.resolve(loaded[name]);
    if (pending[name]) return pending[name].promise;
    var entry = {};
    entry.promise = new Promise(function (resolve, reject) {
      entry.resolve = resolve;
      var script = document.createElement('script');
      script.src = 'site-data/' + file;
      script.onerror = function () { reject(new Error('missing data file site-data/' + file)); };
      document.head.appendChild(script);
    });
    pending[name] = entry;
    return entry.promise;
  }

  function taskFile(id) { return 'tasks/' + id.replace(/[^A-Za-z0-9_.-]+/g, '_') + '.js'; }
  function taskUrl(id) { return 'task.html?id=' + encodeURIComponent(id); }

  /** h('div', {class: 'x'}, child, 'text', [more]) — text is always set as text, never as HTML. */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k === 'on') Object.keys(v).forEach(function (ev) { el.addEventListener(ev, v[ev]); });
        else if (k === 'style') el.setAttribute('style', v);
        else el.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el) {
    for (var i = 1; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === undefined || child === null || child === false) continue;
      if (Array.isArray(child)) { child.forEach(function (c) { append(el, c); }); continue; }
      el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    }
  }

  function fmtMs(ms) {
    if (ms < 1000) return ms + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    return (ms / 60000).toFixed(1) + ' min';
  }
  function pct(x) { return (100 * x).toFixed(1) + '%'; }
  function verdictClass(v) { return v === 'verified' ? 'ok' : 'bad'; }
  function gradeClass(g) { return g === 'resolved' ? 'ok' : g === 'error' || g === 'timeout' ? 'warn' : 'bad'; }
  function badge(text, cls) { return h('span', { class: 'badge ' + (cls || '') }, text); }

  function barChart(entries, opts) {
    opts = opts || {};
    var max = entries.reduce(function (m, e) { return Math.max(m, e[1]); }, 0) || 1;
    return h('div', { class: 'bars' }, entries.map(function (e) {
      return h('div', { class: 'bar-row' },
        h('span', { class: 'bar-label', title: e[0] }, e[0]),
        h('span', { class: 'bar-track' }, h('span', { class: 'bar ' + (opts.cls || ''), style: 'width:' + (100 * e[1] / max).toFixed(1) + '%' })),
        h('span', { class: 'bar-value' }, opts.format ? opts.format(e[1]) : e[1]));
    }));
  }

  function table(head, rows, attrs) {
    var hasHead = head.some(function (c) { return c !== ''; });
    return h('table', attrs || {},
      hasHead ? h('thead', null, h('tr', null, head.map(function (c) { return h('th', null, c); }))) : null,
      h('tbody', null, rows.map(function (r) { return h('tr', null, r.map(function (c) { return h('td', null, c); })); })));
  }

  function nav(overview, current) {
    var links = [['index.html', 'Overview', 'overview', true], ['graph.html', 'Graph', 'graph', overview.pages.graph],
      ['schedule.html', 'Schedule', 'schedule', overview.pages.schedule], ['tasks.html', 'Tasks', 'tasks', overview.pages.tasks],
      ['evaluation.html', 'Evaluation', 'evaluation', overview.pages.evaluation]];
    var top = document.getElementById('top');
    top.textContent = '';
    append(top, h('nav', null,
      h('a', { class: 'brand', href: 'index.html' }, 'swe-flow'),
      h('span', { class: 'title' }, overview.title),
      links.filter(function (l) { return l[3]; }).map(function (l) {
        return h('a', { href: l[0], class: l[2] === current ? 'active' : null }, l[1]);
      })));
  }

  function section(title) {
    var s = h('section', null, h('h2', null, title));
    for (var i = 1; i < arguments.length; i++) append(s, arguments[i]);
    return s;
  }

  function distribution(values, buckets) {
    return buckets.map(function (b) {
      return [b[0], values.filter(function (v) { return v >= b[1] && v <= b[2]; }).length];
    });
  }
  var SIZE_BUCKETS = [['1–5', 0, 5], ['6–10', 6, 10], ['11–20', 11, 20], ['21–50', 21, 50], ['51–100', 51, 100], ['> 100', 101, Infinity]];

  function countBy(list, key) {
    var out = {};
    list.forEach(function (x) { var k = key(x); out[k] = (out[k] || 0) + 1; });
    return out;
  }
  function sortedEntries(obj) { return Object.keys(obj).map(function (k) { return [k, obj[k]]; }).sort(function (a, b) { return b[1] - a[1]; }); }

  // ---------- overview ----------
  function renderOverview(main, overview) {
    var counts = h('div', { class: 'cards' }, Object.keys(overview.counts).map(function (k) {
      return h('div', { class: 'card', 'data-count': k }, h('div', { class: 'num' }, overview.counts[k]), h('div', { class: 'label' }, k));
    }));
    append(main, h('h1', null, overview.title), h('p', { class: 'muted' }, overview.kind + ' · ' + overview.source), counts);
    var facts = Object.keys(overview.facts);
    if (facts.length) append(main, section('Facts', table(['', ''], facts.map(function (k) { return [k, overview.facts[k]]; }), { class: 'facts' })));
    var reasons = sortedEntries(overview.rejectReasons);
    if (reasons.length) append(main, section('Rejected candidates by reason', barChart(reasons, { cls: 'bad' })));
    if (overview.stages.length) {
      append(main, section('Time per stage', barChart(overview.stages.map(function (s) { return [s.stage + (s.skipped ? ' (reused)' : ''), s.ms]; }), { format: fmtMs })));
    }
    if (overview.splits) append(main, section('Splits', barChart(sortedEntries(overview.splits))));
    if (overview.repositories) {
      append(main, section('Repositories', table(['repository', 'split', 'tasks'], overview.repositories.map(function (r) { return [r.repo, r.split || '', r.tasks]; }), { id: 'repositories' })));
    }
    if (overview.evalRuns.length) append(main, section('Evaluation', evalRunsTable(overview.evalRuns)));
    if (overview.kind === 'release' || overview.kind === 'evaluation') {
      return load('tasks', 'tasks.js').then(function (tasks) {
        var verified = tasks.filter(function (t) { return t.verdict === 'verified'; });
        append(main, section('Difficulty', barChart(sortedEntries(countBy(verified, function (t) { return t.difficulty || 'unlabelled'; })))));
        append(main, section('Patch size (added lines)', barChart(distribution(verified.map(function (t) { return t.addedLines; }), SIZE_BUCKETS))));
        append(main, section('Functions per task', barChart(distribution(verified.map(function (t) { return t.functions; }), [['1', 1, 1], ['2', 2, 2], ['3–5', 3, 5], ['6–10', 6, 10], ['> 10', 11, Infinity]]))));
      });
    }
  }

  function evalRunsTable(runs) {
    return table(['model', 'run', 'resolved', 'graded', 'rate'], runs.map(function (r) {
      return [r.model, r.run_id, r.resolved, r.graded, h('span', { class: 'rate' }, pct(r.rate))];
    }), { class: 'eval-runs' });
  }

  // ---------- graph ----------
  function renderGraph(main) {
    return Promise.all([load('graph', 'graph.js'), load('schedule', 'schedule.js').catch(function () { return []; })]).then(function (res) {
      var graph = res[0];
      var steps = res[1];
      var stepByNumber = {};
      steps.forEach(function (s) { stepByNumber[s.step] = s; });
      var search = h('input', { type: 'search', id: 'graph-search', placeholder: 'Search a function (name or file)…', autocomplete: 'off' });
      var info = h('span', { id: 'graph-info', class: 'muted' }, graph.nodes.length + ' functions, ' + graph.edges.length + ' call edges');
      var panel = h('aside', { id: 'graph-panel' }, h('p', { class: 'muted' }, 'Click a function to see its tests and the step that develops it.'));
      var canvas = h('div', { id: 'cy' });
      main.textContent = '';
      append(main, h('div', { class: 'graph-bar' }, search, info,
        h('span', { class: 'legend' }, badge('verified step', 'ok'), badge('rejected only', 'bad'), badge('no step', 'none'))),
        h('div', { class: 'graph-wrap' }, canvas, panel));
      var large = graph.nodes.length > 800;
      var elements = graph.nodes.map(function (n, i) {
        return { group: 'nodes', data: { id: 'n' + i, label: n.label, index: i }, position: { x: n.x, y: n.y }, classes: n.status };
      }).concat(graph.edges.map(function (e, i) {
        return { group: 'edges', data: { id: 'e' + i, source: 'n' + e[0], target: 'n' + e[1], calls: e[2] } };
      }));
      var cy = window.cytoscape({
        container: canvas,
        elements: elements,
        layout: { name: 'preset' },
        wheelSensitivity: 0.3,
        textureOnViewport: large,
        hideEdgesOnViewport: large,
        pixelRatio: large ? 1 : 'auto',
        style: [
          { selector: 'node', style: { 'width': 14, 'height': 14, 'background-color': '#9aa5b1', 'label': 'data(label)', 'font-size': 9, 'min-zoomed-font-size': 7, 'text-valign': 'bottom', 'text-margin-y': 2, 'color': '#333' } },
          { selector: 'node.verified', style: { 'background-color': '#2f9e44' } },
          { selector: 'node.rejected', style: { 'background-color': '#e8590c' } },
          { selector: 'edge', style: { 'width': 1, 'line-color': '#c4cad1', 'curve-style': 'haystack', 'opacity': 0.7 } },
          { selector: '.faded', style: { 'opacity': 0.12 } },
          { selector: 'node.match', style: { 'border-width': 3, 'border-color': '#1c7ed6', 'width': 22, 'height': 22, 'font-size': 12, 'z-index': 10 } },
          { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#000' } },
        ],
      });
      window.__sweflow.cy = cy;
      cy.fit(undefined, 20);

      function showNode(index) {
        var n = graph.nodes[index];
        var step = n.step !== undefined ? stepByNumber[n.step] : undefined;
        panel.textContent = '';
        append(panel, h('h3', null, n.label), h('p', { class: 'mono small' }, n.id),
          h('p', null, 'Step: ', n.step !== undefined ? h('a', { href: 'schedule.html#step-' + n.step, id: 'panel-step' }, 'step ' + n.step) : h('span', { class: 'muted' }, 'none (not developed by any step)')),
          step ? h('ul', { class: 'plain' }, step.tasks.map(function (t) {
            return h('li', null, h('a', { href: taskUrl(t.instance_id) }, t.instance_id), ' ', badge(t.verdict, verdictClass(t.verdict)));
          })) : null,
          h('h4', null, 'Tests reaching it (' + n.tests.length + ')'),
          h('ul', { class: 'plain small', id: 'panel-tests' }, n.tests.slice(0, 300).map(function (t) { return h('li', { class: 'mono' }, graph.tests[t]); })),
          n.tests.length > 300 ? h('p', { class: 'muted' }, '… and ' + (n.tests.length - 300) + ' more') : null);
      }
      cy.on('tap', 'node', function (ev) { showNode(ev.target.data('index')); });

      var timer;
      search.addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var q = search.value.trim().toLowerCase();
          cy.batch(function () {
            cy.elements().removeClass('match faded');
            if (!q) return;
            var hits = cy.nodes().filter(function (node) { return graph.nodes[node.data('index')].id.toLowerCase().indexOf(q) >= 0; });
            cy.elements().difference(hits).addClass('faded');
            hits.addClass('match');
          });
          var hits = cy.nodes('.match');
          info.textContent = q ? hits.length + ' of ' + graph.nodes.length + ' functions match' : graph.nodes.length + ' functions, ' + graph.edges.length + ' call edges';
          if (hits.length) {
            cy.fit(hits, 60);
            if (hits.length === 1) showNode(hits[0].data('index'));
          }
        }, 120);
      });
    });
  }

  // ---------- schedule ----------
  function renderSchedule(main) {
    return load('schedule', 'schedule.js').then(function (steps) {
      main.textContent = '';
      var verdictOf = function (s) {
        var ok = s.tasks.filter(function (t) { return t.verdict === 'verified'; }).length;
        return ok === s.tasks.length && ok > 0 ? 'ok' : ok > 0 ? 'warn' : 'bad';
      };
      append(main, h('h1', null, 'Schedule'), h('p', { class: 'muted' }, steps.length + ' steps, callees before callers. Click a step for its tasks.'),
        h('div', { class: 'timeline', id: 'timeline' }, steps.map(function (s) {
          return h('a', { class: 'tick ' + verdictOf(s), href: '#step-' + s.step, title: 'step ' + s.step + ': ' + s.nodesToDevelop.length + ' functions, ' + s.testIds.length + ' tests' }, String(s.step));
        })),
        steps.map(function (s) {
          return h('article', { class: 'step', id: 'step-' + s.step },
            h('h3', null, 'Step ' + s.step, ' ', badge(verdictOf(s) === 'ok' ? 'verified' : verdictOf(s) === 'warn' ? 'partly verified' : 'rejected', verdictOf(s))),
            h('div', { class: 'step-tasks' }, s.tasks.length ? s.tasks.map(function (t) {
              return h('a', { class: 'task-link', href: taskUrl(t.instance_id) }, t.mode + ': ', badge(t.verdict, verdictClass(t.verdict)));
            }) : h('span', { class: 'muted' }, 'no task emitted')),
            h('details', null, h('summary', null, s.nodesToDevelop.length + ' functions'), h('ul', { class: 'plain mono small' }, s.nodesToDevelop.map(function (n) { return h('li', null, n); }))),
            h('details', null, h('summary', null, s.testIds.length + ' tests'), h('ul', { class: 'plain mono small' }, s.testIds.map(function (t) { return h('li', null, t); }))));
        }));
      if (location.hash) { var target = document.getElementById(location.hash.slice(1)); if (target) target.scrollIntoView(); }
    });
  }

  // ---------- tasks ----------
  function renderTasks(main) {
    return load('tasks', 'tasks.js').then(function (tasks) {
      main.textContent = '';
      var runs = {};
      tasks.forEach(function (t) { Object.keys(t.grades).forEach(function (r) { runs[r] = true; }); });
      var runIds = Object.keys(runs);
      var q = h('input', { type: 'search', id: 'task-search', placeholder: 'Search tasks (id, repository, file)…' });
      var verdict = h('select', { id: 'task-verdict' }, ['all', 'verified', 'rejected'].map(function (v) { return h('option', { value: v }, v); }));
      var body = h('tbody');
      var shown = h('span', { class: 'muted', id: 'task-count' });
      var more = h('button', { type: 'button' }, 'Show more');
      var limit = 500;
      append(main, h('h1', null, 'Tasks'), h('div', { class: 'filters' }, q, verdict, shown),
        h('table', { id: 'tasks-table' }, h('thead', null, h('tr', null,
          ['task', 'repository', 'mode', 'step', 'verdict', 'difficulty', 'F2P', 'P2P', '+lines', 'functions'].concat(runIds).map(function (c) { return h('th', null, c); }))), body), more);
      function draw() {
        var query = q.value.trim().toLowerCase();
        var want = verdict.value;
        var hits = tasks.filter(function (t) {
          if (want === 'verified' && t.verdict !== 'verified') return false;
          if (want === 'rejected' && t.verdict === 'verified') return false;
          return !query || (t.instance_id + ' ' + t.repo + ' ' + t.files.join(' ')).toLowerCase().indexOf(query) >= 0;
        });
        body.textContent = '';
        hits.slice(0, limit).forEach(function (t) {
          append(body, h('tr', null, [h('a', { href: taskUrl(t.instance_id) }, t.instance_id), t.repo, t.mode, t.step, badge(t.verdict, verdictClass(t.verdict)),
            t.difficulty || '', t.failToPass, t.passToPass, t.addedLines, t.functions].concat(runIds.map(function (r) {
            return t.grades[r] ? badge(t.grades[r], gradeClass(t.grades[r])) : '';
          })).map(function (c) { return h('td', null, c); })));
        });
        shown.textContent = hits.length + ' of ' + tasks.length + ' tasks' + (hits.length > limit ? ' (first ' + limit + ' shown)' : '');
        more.style.display = hits.length > limit ? '' : 'none';
      }
      q.addEventListener('input', draw);
      verdict.addEventListener('change', draw);
      more.addEventListener('click', function () { limit += 500; draw(); });
      var params = new URLSearchParams(location.search);
      if (params.get('q')) q.value = params.get('q');
      draw();
    });
  }

  // ---------- evaluation ----------
  function renderEvaluation(main, overview) {
    return load('tasks', 'tasks.js').then(function (tasks) {
      main.textContent = '';
      append(main, h('h1', null, 'Evaluation'), section('Resolved rate per model', evalRunsTable(overview.evalRuns),
        barChart(overview.evalRuns.map(function (r) { return [r.model + ' (' + r.run_id + ')', r.rate]; }), { format: pct, cls: 'ok' })));
      overview.evalRuns.forEach(function (r) {
        var repos = Object.keys(r.perRepo).sort();
        append(main, section(r.model + ' · ' + r.run_id,
          table(['repository', 'resolved', 'graded', 'rate'], repos.map(function (k) { var x = r.perRepo[k]; return [k, x.resolved, x.graded, pct(x.rate)]; })),
          h('h4', null, 'Instances'),
          h('ul', { class: 'plain instances' }, tasks.filter(function (t) { return t.grades[r.run_id]; }).map(function (t) {
            return h('li', null, badge(t.grades[r.run_id], gradeClass(t.grades[r.run_id])), ' ', h('a', { href: taskUrl(t.instance_id) + '#eval-' + encodeURIComponent(r.run_id) }, t.instance_id));
          }))));
      });
    });
  }

  // ---------- task ----------
  function statusTable(tests, base, reference, id) {
    return table(['test', 'base', 'reference'], tests.map(function (t) {
      return [h('span', { class: 'mono' }, t), badge(base, base === 'pass' ? 'ok' : 'bad'), badge(reference, reference === 'pass' ? 'ok' : 'bad')];
    }), { id: id, class: 'tests' });
  }

  function renderMarkdown(md) {
    var parse = window.marked && (window.marked.parse || (window.marked.marked && window.marked.marked.parse));
    var html = parse ? parse.call(window.marked, md) : md;
    var box = h('div', { class: 'markdown', id: 'statement' });
    box.innerHTML = window.DOMPurify ? window.DOMPurify.sanitize(html) : '';
    if (!window.DOMPurify) box.textContent = md;
    return box;
  }

  function renderTask(main) {
    var id = new URLSearchParams(location.search).get('id');
    if (!id) { main.textContent = 'No task id in the address (task.html?id=<instance_id>).'; return Promise.resolve(); }
    return load('task:' + id, taskFile(id)).then(function (d) {
      main.textContent = '';
      var s = d.summary;
      document.title = s.instance_id + ' · swe-flow';
      append(main, h('h1', { id: 'task-title' }, s.instance_id, ' ', badge(s.verdict, verdictClass(s.verdict))),
        h('p', { class: 'muted' }, [s.repo, s.mode, 'step ' + s.step, s.difficulty, s.split].filter(Boolean).join(' · ')));
      if (d.reject) append(main, section('Why it was rejected', h('p', null, badge(d.reject.reason, 'bad'), ' ', d.reject.detail)));
      var nodes = d.meta.nodes_to_develop || [];
      if (nodes.length) append(main, section('Functions to develop', h('ul', { class: 'plain mono' }, nodes.map(function (n) { return h('li', null, n); }))));
      if (d.problem_statement) append(main, section('Problem statement', renderMarkdown(d.problem_statement)));
      if (d.patch) {
        var diffBox = h('div', { id: 'diff' });
        append(main, section('Patch (base → reference)', diffBox));
        if (window.Diff2HtmlUI) {
          new window.Diff2HtmlUI(diffBox, d.patch, { outputFormat: 'side-by-side', drawFileList: true, matching: 'lines', highlight: false, fileContentToggle: false }).draw();
        } else append(diffBox, h('pre', null, d.patch));
      }
      if (s.verdict === 'verified') {
        var p2pNote = d.passToPassRun !== undefined ? d.passToPassRun + ' of ' + d.PASS_TO_PASS.length + ' run on base and reference; ' + (d.passToPassProvenUnaffected || 0) + ' proven unaffected by the trace' : '';
        append(main, section('FAIL_TO_PASS (' + d.FAIL_TO_PASS.length + ')', statusTable(d.FAIL_TO_PASS, 'fail', 'pass', 'f2p')),
          section('PASS_TO_PASS (' + d.PASS_TO_PASS.length + ')', p2pNote ? h('p', { class: 'muted' }, p2pNote) : null, statusTable(d.PASS_TO_PASS, 'pass', 'pass', 'p2p')));
        if (d.droppedFailToPass.length) append(main, section('Dropped from FAIL_TO_PASS (flaky or passing on base)', h('ul', { class: 'plain mono' }, d.droppedFailToPass.map(function (t) { return h('li', null, t); }))));
      } else if (d.FAIL_TO_PASS.length) {
        append(main, section('Tests of the step', h('ul', { class: 'plain mono' }, d.FAIL_TO_PASS.map(function (t) { return h('li', null, t); }))));
      }
      if (d.evals.length) {
        append(main, section('Evaluations', d.evals.map(function (e) {
          return h('div', { class: 'eval', id: 'eval-' + e.run_id },
            h('h3', null, e.model, ' ', badge(e.grade, gradeClass(e.grade)), e.durationMs !== undefined ? h('span', { class: 'muted small' }, ' ' + fmtMs(e.durationMs)) : null),
            e.reason ? h('p', null, e.reason) : null,
            e.failToPass ? h('p', { class: 'small' }, 'FAIL_TO_PASS: ' + e.failToPass.passed.length + ' passed, ' + e.failToPass.failed.length + ' failed, ' + e.failToPass.missing.length + ' missing') : null,
            e.passToPass ? h('p', { class: 'small' }, 'PASS_TO_PASS: ' + e.passToPass.passed.length + ' passed, ' + e.passToPass.failed.length + ' failed, ' + e.passToPass.missing.length + ' missing') : null,
            e.logs.map(function (l) { return h('details', null, h('summary', null, l.name), h('pre', { class: 'log' }, l.text)); }));
        })));
      }
      var facts = Object.keys(d.meta).filter(function (k) { return k !== 'nodes_to_develop'; });
      append(main, section('Row', table(['field', 'value'], facts.map(function (k) {
        var v = d.meta[k];
        return [k, h('span', { class: 'mono small' }, typeof v === 'string' ? v : JSON.stringify(v))];
      }), { class: 'facts' })));
      if (d.verification) append(main, section('Verification record', h('details', null, h('summary', null, 'as stored by synth'), h('pre', { class: 'log' }, JSON.stringify(d.verification, function (k, v) { return k === 'patch' ? '(the patch above)' : v; }, 2)))));
      if (location.hash) { var target = document.getElementById(decodeURIComponent(location.hash.slice(1))); if (target) target.scrollIntoView(); }
    });
  }

  var RENDER = { overview: renderOverview, graph: renderGraph, schedule: renderSchedule, tasks: renderTasks, evaluation: renderEvaluation, task: renderTask };

  window.__sweflow = { ready: false, load: load };
  var page = document.body.getAttribute('data-page');
  var main = document.getElementById('main');
  load('overview', 'overview.js').then(function (overview) {
    nav(overview, page);
    main.textContent = '';
    return RENDER[page](main, overview);
  }).then(function () {
    window.__sweflow.ready = true;
    document.body.setAttribute('data-ready', 'true');
  }, function (error) {
    main.textContent = '';
    append(main, h('p', { class: 'error' }, 'This page could not be shown: ' + error.message));
    document.body.setAttribute('data-ready', 'error');
  });
})();
