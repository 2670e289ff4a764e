/**
 * Where the CLI writes. Commands never touch process.stdout directly, so
 * tests can run them in-process and read what a user would see.
 */
import { readFileSync } from 'node:fs';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal (live progress, colours) */
  isTTY: boolean;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: Boolean(process.stdout.isTTY),
};

export function bufferIo(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    isTTY: false,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
