/** The logger interface every stage takes; the CLI decides how it renders (terminal, plain, JSON). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ProgressEvent {
  stage: string;
  done: number;
  total?: number;
  message?: string;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  progress?(event: ProgressEvent): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
