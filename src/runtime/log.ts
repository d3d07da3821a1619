import winston from 'winston';

/** The logger type used throughout the operator. */
export type Logger = winston.Logger;

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** error | warn | info | debug (default info). */
  readonly level?: string;
  /** json in the cluster, text (colored, one line) in a terminal. Default: text when stdout is a TTY. */
  readonly format?: 'json' | 'text';
  /** Where lines go (default stdout). Tests pass their own stream. */
  readonly stream?: NodeJS.WritableStream;
}

/** Creates the operator's structured logger. Add context with `logger.child({controller, key})`. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? (process.stdout.isTTY ? 'text' : 'json');
  const fmt =
    format === 'json'
      ? winston.format.combine(
          winston.format.timestamp(),
          winston.format.errors({ stack: true }),
          winston.format.json(),
        )
      : winston.format.combine(
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.errors({ stack: false }),
          winston.format.colorize(),
          winston.format.printf(({ timestamp, level, message, ...rest }) => {
            const fields = Object.entries(rest)
              .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
              .join(' ');
            return `${String(timestamp)} ${level} ${String(message)}${fields ? ` ${fields}` : ''}`;
          }),
        );
  return winston.createLogger({
    level: opts.level ?? 'info',
    format: fmt,
    transports: [new winston.transports.Stream({ stream: opts.stream ?? process.stdout })],
  });
}

/** A logger that drops everything (default for library code constructed without one). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
