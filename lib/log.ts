/** One-line logs on stderr. Every line passes through the redactor, so a secret that reaches a message never prints. */
import { sanitizeMessage } from "@/probes/sanitize";

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface LoggerOptions {
  /** Values never to print (the API key). */
  secrets: readonly string[];
  write?: (line: string) => void;
  /** Silence info lines (the CLI's --json mode keeps stderr for problems). */
  quiet?: boolean;
}

/** A logger that redacts the given secrets and anything key-shaped. */
export function createLogger({ secrets, write = (line) => process.stderr.write(line), quiet = false }: LoggerOptions): Logger {
  const emit = (level: string, message: string) => {
    const clean = sanitizeMessage(message, secrets, 2_000);
    write(`${new Date().toISOString()} ${level} ${clean}\n`);
  };
  return {
    info: (message) => {
      if (!quiet) emit("info", message);
    },
    warn: (message) => emit("warn", message),
    error: (message) => emit("error", message),
  };
}
