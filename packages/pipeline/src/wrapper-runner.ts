/**
 * The runner of a test script that goes through a wrapper (`"test": "kcd-scripts test"`): when
 * detection finds no runner but the wrapper depends on one whose options swe-flow can read (jest), or
 * the runner was given and the script's command is such a wrapper, the wrapper is run once up to where
 * it starts the runner and its options (kcd-scripts' `--config`) and variables go into every run.
 */
import { ErrorCodes, SweFlowError, type Logger, type RunnerName } from '@swe-flow/core';
import { CAPTURED_RUNNERS, captureWrapperRunner, createJestAdapter, findWrappedRunners, getAdapter, type RunnerAdapter, type WrappedRunner, type WrapperRunnerOptions } from '@swe-flow/tracer';

export interface RunnerChoice {
  adapter: RunnerAdapter;
  /** Set when the runner's options come from a wrapper's run. */
  wrapper?: WrapperRunnerOptions;
}

interface WrapperContext {
  root: string;
  packageJson: Record<string, unknown>;
  /** The repository's run environment (its Node first on PATH). */
  env: Record<string, string>;
  logger: Logger;
}

/** The adapter that runs `runner` with the wrapper's options. */
function adapterWith(options: WrapperRunnerOptions): RunnerAdapter {
  return options.runner === 'jest' ? createJestAdapter({ args: options.args }) : getAdapter(options.runner as RunnerName);
}

function wrappedOf(error: unknown): WrappedRunner[] {
  if (!(error instanceof SweFlowError) || error.code !== ErrorCodes.UNKNOWN_RUNNER) return [];
  const found = (error.details as { wrappedRunners?: WrappedRunner[] } | undefined)?.wrappedRunners ?? [];
  return found.filter((w) => CAPTURED_RUNNERS.includes(w.runner));
}

async function capture(ctx: WrapperContext, wrapped: WrappedRunner): Promise<{ options?: WrapperRunnerOptions; reason?: string }> {
  ctx.logger.info(`the test script runs ${wrapped.runner} through \`${wrapped.command}\` (${wrapped.wrapper}): reading the options it passes`);
  const r = await captureWrapperRunner(ctx.root, ctx.packageJson, wrapped, ctx.env);
  if (!r.ok) return { reason: r.reason };
  ctx.logger.info(`${wrapped.wrapper} runs ${wrapped.runner} with ${r.options.args.length} option(s)${Object.keys(r.options.env).length > 0 ? ` and ${Object.keys(r.options.env).join(', ')}` : ''}`);
  return { options: r.options };
}

/**
 * `detect` (the runner as configured or detected), completed with a wrapper's options. When detection
 * found nothing and no wrapper's options can be read, the detection error stays, with why.
 */
export async function chooseRunner(ctx: WrapperContext, detect: () => Promise<RunnerAdapter>): Promise<RunnerChoice> {
  let adapter: RunnerAdapter;
  try {
    adapter = await detect();
  } catch (error) {
    const wrapped = wrappedOf(error);
    if (wrapped.length === 0) throw error;
    const reasons: string[] = [];
    for (const w of wrapped) {
      const r = await capture(ctx, w);
      if (r.options) return { adapter: adapterWith(r.options), wrapper: r.options };
      reasons.push(r.reason ?? 'no reason given');
    }
    const e = error as SweFlowError;
    throw new SweFlowError(e.code, `${e.message}. swe-flow could not read the options the wrapper passes: ${reasons.join('; ')}`, e.details ? { details: e.details } : {});
  }
  if (!CAPTURED_RUNNERS.includes(adapter.name)) return { adapter };
  const wrapped = findWrappedRunners(ctx.root, ctx.packageJson).find((w) => w.runner === adapter.name);
  if (!wrapped) return { adapter };
  const r = await capture(ctx, wrapped);
  if (!r.options) ctx.logger.warn(`could not read the options \`${wrapped.command}\` passes to ${adapter.name}, running it with the repository's own config: ${r.reason ?? ''}`);
  return r.options ? { adapter: adapterWith(r.options), wrapper: r.options } : { adapter };
}
