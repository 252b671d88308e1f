import { SingleBar } from 'cli-progress';
import type { Progress } from './progress-header';

/**
 * Where the CLI reports what it does. Results (manifests, job lists) go to stdout; progress and messages to stderr.
 * On a terminal progress is drawn as bars; anywhere else (a pipe, a file, CI) as plain lines, each said once, with
 * no ANSI escape at all. NO_COLOR (https://no-color.org) turns colour off on a terminal too.
 */
export interface Output {
  /** A result line (stdout). */
  result(text: string): void;
  /** A message (stderr). */
  say(text: string): void;
  /** A failure (stderr), red on a terminal. */
  fail(text: string): void;
  /** A job's progress from its X-Progress. */
  jobProgress(progress: Progress): void;
  /** A byte counter of downloads or uploads. */
  byteBar(label: string): ByteBar;
  /** Ends any bar still drawn. */
  done(): void;
}

export interface ByteBar {
  /** The total grows as each file's size becomes known. */
  addTotal(bytes: number): void;
  advance(bytes: number): void;
  fileDone(text: string): void;
  stop(): void;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export interface Streams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

export function createOutput({ stdout, stderr, env }: Streams = process): Output {
  const interactive = stderr.isTTY === true && env.TERM !== 'dumb';
  const colour = interactive && !env.NO_COLOR;
  const paint = (code: number, text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  let bar: SingleBar | undefined;
  let lastProgress = '';
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };
  const say = (text: string) => {
    if (bar) bar.stop();
    stderr.write(`${text}\n`);
    bar = undefined;
  };
  return {
    result: (text) => stdout.write(`${text}\n`),
    say,
    fail: (text) => say(paint(31, text)),
    jobProgress(progress) {
      if (progress.text === lastProgress) return;
      lastProgress = progress.text;
      if (!interactive) return void stderr.write(`  ${progress.text}\n`);
      bar ??= new SingleBar({ format: '  [{bar}] {text}', hideCursor: true, clearOnComplete: true, stream: stderr });
      if (!bar.isActive) bar.start(100, 0, { text: progress.text });
      bar.update(progress.percent ?? 0, { text: progress.text });
    },
    byteBar(label) {
      stopBar();
      let total = 0;
      let value = 0;
      const drawn = interactive
        ? new SingleBar({
            format: (_options, params, payload: { files: string }) =>
              `  ${label} [${'█'.repeat(Math.round(params.progress * 30)).padEnd(30, '░')}] ${formatBytes(params.value)} of ${formatBytes(params.total)}${payload.files}`,
            hideCursor: true,
            stream: stderr,
          })
        : undefined;
      drawn?.start(0, 0, { files: '' });
      bar = drawn;
      return {
        addTotal(bytes) {
          total += bytes;
          drawn?.setTotal(total);
        },
        advance(bytes) {
          value += bytes;
          drawn?.update(value);
        },
        fileDone(text) {
          if (drawn) drawn.update(value, { files: ` | ${text}` });
          else stderr.write(`  ${text}\n`);
        },
        stop() {
          drawn?.stop();
          if (bar === drawn) bar = undefined;
        },
      };
    },
    done: stopBar,
  };
}
