/** Where a command writes; the entry point binds it to the process, tests to buffers. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CommandResult {
  exitCode: 0 | 1 | 2;
}
