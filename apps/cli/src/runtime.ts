import type { Command } from 'commander';
import { Context, type GlobalOptions, type Io } from './context.js';
import { ExitCode } from './errors.js';

/** One run of the program: the streams, the context of the command that runs, its exit code. */
export class Runtime {
  readonly io: Io;
  exitCode: ExitCode = ExitCode.OK;
  #context: Context | null = null;

  constructor(io: Io) {
    this.io = io;
  }

  /** The context of the running command (settings resolved, config file read) — created once. */
  context(cmd: Command): Context {
    this.#context ??= new Context(cmd.optsWithGlobals<GlobalOptions>(), this.io);
    return this.#context;
  }

  async close(): Promise<void> {
    await this.#context?.close();
  }
}
