// Renders corpus results as the Markdown table kept in BENCHMARKS.md, and a summary of outcomes.
const s1 = (ms) => (ms == null ? '—' : (ms / 1000).toFixed(1));
const cell = (v) => (v == null || v === '' ? '—' : String(v).replace(/\|/g, '\\|'));

function row(r) {
  const install = r.installOk === true ? `ok${r.fallback ? ` (${r.fallback})` : ''}` : r.installOk === false ? '**failed**' : 'not reached';
  return `| ${r.name} | ${cell(r.runner)}@${cell(r.runnerVersion)} | ${cell(r.packageManager ?? r.declaredPackageManager)} | ${install} | ${cell(r.untracedPassing)} | **${cell(r.verified)}** | ${cell(r.topRejects)} | ${s1(r.synthMs)} / ${s1(r.untracedMs)} = ${r.ratio == null ? '—' : `${r.ratio}×`} | ${r.verified > 0 ? '' : cell(r.errorCode)} | ${r.loadBefore} |`;
}

/** The message's first line, and from its tail the line that names the error, when the first does not. */
function cause(r) {
  const first = r.message ?? '';
  const tail = (r.messageTail ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const named = tail.findLast((l) => /(ERR_[A-Z_]+|Error\b|ERROR|requires|not found|Cannot find|is not)/.test(l) && !/^at /.test(l));
  return named && !first.includes(named) ? `${first} … ${named.slice(0, 200)}` : first;
}

/** Repositories without a verified task, counted by error code and the stage it ended in. */
function failureCounts(results) {
  const counts = new Map();
  for (const r of results.filter((x) => !(x.verified > 0))) {
    const key = `\`${r.errorCode ?? `exit ${r.exitCode}`}\` in ${r.lastStage ?? 'no stage'}`;
    counts.set(key, [...(counts.get(key) ?? []), r.name]);
  }
  return [...counts.entries()].sort((a, b) => b[1].length - a[1].length).map(([k, names]) => `- ${k}: ${names.length} (${names.join(', ')})`);
}

export function renderTable(results, meta) {
  // A runner's own repository stops before its install, but its dependencies do install: it counts with
  // those that install, so stopping early does not take a repository that yields nothing out of the share.
  const selfHosted = results.filter((r) => r.installOk !== true && r.errorCode === 'SWEFLOW_SELF_HOSTED_RUNNER');
  const installed = [...results.filter((r) => r.installOk === true), ...selfHosted];
  const yielded = results.filter((r) => r.verified > 0);
  const yieldedOfInstalled = installed.filter((r) => r.verified > 0);
  const lines = [
    `Command: \`${meta.command}\`; machine: ${meta.machine}; rendered ${new Date().toISOString()}.`,
    '',
    `${results.length} repositories run; ${installed.length} installed${selfHosted.length ? ` (${selfHosted.length} of them a runner's own repository, stopped before its install and counted here)` : ''}; ${yielded.length} yielded at least one verified task (${yieldedOfInstalled.length} of the ${installed.length} that installed).`,
    '',
    '| repository | runner@version | package manager | install | tests passing untraced | tasks verified | top reject reasons | synth / plain suite (s) = ratio | error code (no task) | load (1 min) |',
    '|---|---|---|---|---:|---:|---|---|---|---:|',
    ...results.map(row),
    '',
    'Repositories that yielded nothing, by error code and stage:',
    '',
    ...failureCounts(results),
    '',
    'One line each:',
    '',
    ...results.filter((r) => !(r.verified > 0)).map((r) => `- **${r.name}** (${r.declaredRunner}): \`${r.errorCode ?? `exit ${r.exitCode}`}\` in ${r.lastStage ?? 'no stage'}: ${cell(cause(r))}`),
    '',
  ];
  return lines.join('\n');
}
