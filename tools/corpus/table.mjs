// Renders corpus results as the Markdown table kept in BENCHMARKS.md, and a summary of outcomes.
const s1 = (ms) => (ms == null ? '—' : (ms / 1000).toFixed(1));
const cell = (v) => (v == null || v === '' ? '—' : String(v).replace(/\|/g, '\\|'));

function row(r) {
  const install = r.installOk === true ? `ok${r.fallback ? ` (${r.fallback})` : ''}` : r.installOk === false ? '**failed**' : 'not reached';
  return `| ${r.name} | ${cell(r.runner)}@${cell(r.runnerVersion)} | ${cell(r.packageManager ?? r.declaredPackageManager)} | ${install} | ${cell(r.untracedPassing)} | **${cell(r.verified)}** | ${cell(r.topRejects)} | ${s1(r.synthMs)} / ${s1(r.untracedMs)} = ${r.ratio == null ? '—' : `${r.ratio}×`} | ${r.verified > 0 ? '' : cell(r.errorCode)} | ${r.loadBefore} |`;
}

export function renderTable(results, meta) {
  const installed = results.filter((r) => r.installOk === true);
  const yielded = results.filter((r) => r.verified > 0);
  const yieldedOfInstalled = installed.filter((r) => r.verified > 0);
  const lines = [
    `Command: \`${meta.command}\`; machine: ${meta.machine}; rendered ${new Date().toISOString()}.`,
    '',
    `${results.length} repositories run; ${installed.length} installed; ${yielded.length} yielded at least one verified task (${yieldedOfInstalled.length} of the ${installed.length} that installed).`,
    '',
    '| repository | runner@version | package manager | install | tests passing untraced | tasks verified | top reject reasons | synth / plain suite (s) = ratio | error code (no task) | load (1 min) |',
    '|---|---|---|---|---:|---:|---|---|---|---:|',
    ...results.map(row),
    '',
    'Repositories that yielded nothing:',
    '',
    ...results.filter((r) => !(r.verified > 0)).map((r) => `- **${r.name}** (${r.declaredRunner}): \`${r.errorCode ?? `exit ${r.exitCode}`}\` in ${r.lastStage ?? 'no stage'}: ${cell(r.message)}`),
    '',
  ];
  return lines.join('\n');
}
