/** A command as written in a topology: a string for `sh -c`, or argv. Pure. */
import { shJoin } from '../render/shell.js';
import type { CommandSpec } from './model.js';

export const commandArgv = (cmd: CommandSpec): string[] => (typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd);
export const commandText = (cmd: CommandSpec): string => (typeof cmd === 'string' ? cmd : shJoin(cmd));
