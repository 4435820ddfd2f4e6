// Standard output and error as meshlens writes to them. A reader that goes away (`| head`) stops the
// writing, never the verdict: the exit code stays the run's. Any other write failure (`> /dev/full`,
// a broken terminal) is kept, so the CLI can say it in one line and exit with the documented code.

export interface Output {
  write(text: string): void;
  readonly isTTY: boolean;
  /** Columns of the terminal, when it is one. */
  readonly columns: number | undefined;
  /** Writing has stopped: the reader went away (`| head`) or a write failed. */
  readonly closed: boolean;
}

export interface StreamOutput extends Output {
  /** Why writing failed, unless it was only the reader closing the pipe. */
  readonly failure: NodeJS.ErrnoException | undefined;
  /** Resolves when everything written so far has been handed to the OS, or writing stopped. */
  flush(): Promise<void>;
}

export function streamOutput(stream: NodeJS.WriteStream): StreamOutput {
  let closed = false;
  let failure: NodeJS.ErrnoException | undefined;
  const record = (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") closed = true;
    else failure ??= error;
  };
  stream.on("error", record);
  const stopped = () => closed || failure !== undefined;
  return {
    write(text) {
      if (!stopped()) stream.write(text);
    },
    isTTY: stream.isTTY === true,
    get columns() {
      return stream.isTTY ? stream.columns : undefined;
    },
    get failure() {
      return failure;
    },
    get closed() {
      return stopped();
    },
    flush: () =>
      new Promise((resolve) => {
        if (stopped()) resolve();
        // A failed write calls back with its error before the stream emits it.
        else
          stream.write("", (error) => {
            if (error) record(error);
            resolve();
          });
      }),
  };
}

/** The one line that says standard output could not be written, and why. */
export function cannotWriteLine(failure: NodeJS.ErrnoException): string {
  return `meshlens: cannot write to standard output: ${failure.message.replace(/, write$/, "")}\n`;
}
