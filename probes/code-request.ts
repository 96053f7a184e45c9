/**
 * What the `code` probe sends, in one place so /methodology and the README describe the same bytes. The shape is
 * Claude Code's (read from the public @anthropic-ai/claude-code package, 2.1.100 cli.js): a streaming Messages call
 * with a system prompt, tool definitions (name, description, input_schema) and no tool_choice, so the model picks
 * the call itself. Not copied: Claude Code's own betas (`claude-code-20250219` is undocumented; interleaved thinking
 * means nothing without thinking), its OAuth login, its `x-app` header, and its long prompts: this asks for one call.
 */

/** One tool definition as the Messages API takes it. */
export interface CodeTool {
  name: string;
  description: string;
  input_schema: { type: "object"; properties: Record<string, { type: string; description: string }>; required: string[] };
}

/**
 * Room for a sentence before the call plus the call itself (about 40 tokens for read_file's input), and for the final
 * word. Output is billed as generated, not as allowed: a cap this size costs nothing unless the model rambles.
 */
export const CODE_MAX_TOKENS = 128;

/** The file the model is asked to read; its "content" (the tool_result) is the configured answer prompt. */
export const PROBE_FILE = "witness/probe.txt";

export const CODE_SYSTEM = [
  {
    type: "text",
    text: "You are a coding agent working in a user's repository through the tools provided. Use a tool when the task needs one; keep replies short.",
  },
];

export const CODE_TOOLS: CodeTool[] = [
  {
    name: "read_file",
    description: "Read a text file from the repository and return its contents.",
    input_schema: { type: "object", properties: { path: { type: "string", description: "Path relative to the repository root" } }, required: ["path"] },
  },
  {
    name: "run_command",
    description: "Run a shell command in the repository and return its output.",
    input_schema: {
      type: "object",
      properties: { command: { type: "string", description: "The command line" }, timeout_ms: { type: "integer", description: "Optional limit in milliseconds" } },
      required: ["command"],
    },
  },
  {
    // Not a "report the answer" tool: the final answer must come back as text, and such a tool would invite the model
    // to answer through it.
    name: "list_directory",
    description: "List the entries of a directory in the repository.",
    input_schema: { type: "object", properties: { path: { type: "string", description: "Directory relative to the repository root" } }, required: ["path"] },
  },
];

/** The user's first message: call one named tool with one argument, then follow what it returns. */
export function codeAsk(): string {
  return `Call the read_file tool with path "${PROBE_FILE}". The file holds an instruction: once you have it, follow it.`;
}
