/**
 * Tool-use streams, as a Claude Code-shaped client meets them: a request that offers `tools` is answered with a
 * `tool_use` block whose input arrives in several `input_json_delta` pieces; the follow-up carrying a `tool_result` is
 * answered with text (the reply word its result asks for). The `tool_*` faults spoil only the tool call.
 */
import type { Fault } from "./faults";
import { isRecord, type ParsedBody } from "./wire";

/** Which step of a tool round trip a request is: the call (tools offered, no result yet), or the result. */
export type ToolStep = "call" | "result";

/** The faults that only change a tool call; every other request under them is healthy. */
export const TOOL_FAULTS = ["tool_text", "tool_input_cut", "tool_unknown", "tool_missing_key", "tool_bad_json"] as const satisfies readonly Fault[];

/** The tool_use block a stream carries: its name, its input as the pieces streamed, and whether it is left open. */
export interface ToolPlan {
  name: string;
  chunks: string[];
  /** No content_block_stop: the stream ends inside the input (the `cut` ending). */
  open: boolean;
}

/** What the text answers when a tool call was due: a model declining to use its tools. */
export const TOOL_TEXT = "I can't read files in this environment.";
const NOT_OFFERED = "execute_sql";
const PIECE_CHARS = 6;

interface Offered {
  name: string;
  required: string[];
  types: Record<string, string>;
}

/** The step of a request that offers tools; null for one that offers none (every probe but `code`). */
export function toolStepOf(json: ParsedBody): ToolStep | null {
  if (!json.ok || !isRecord(json.value) || !Array.isArray(json.value.tools) || json.value.tools.length === 0) return null;
  const messages = Array.isArray(json.value.messages) ? json.value.messages : [];
  const last = messages.at(-1);
  const hasResult = isRecord(last) && Array.isArray(last.content) && last.content.some((b) => isRecord(b) && b.type === "tool_result");
  return hasResult ? "result" : "call";
}

/** The tool call to stream for a `call` step under `fault`, or null when the answer is text instead. */
export function toolPlan(json: ParsedBody, fault: Fault): ToolPlan | null {
  if (fault === "tool_text") return null;
  const offered = offeredTools(json);
  const asked = lastUserText(json);
  // The tool the user named, as a model would pick it; else the first offered.
  const tool = offered.find((t) => asked.includes(t.name)) ?? offered[0];
  if (!tool) return null;
  const input = Object.fromEntries(tool.required.map((key) => [key, valueOf(tool.types[key], asked)]));
  if (fault === "tool_missing_key") delete input[tool.required[0] ?? ""];
  const json_ = JSON.stringify(input);
  switch (fault) {
    case "tool_unknown":
      return { name: NOT_OFFERED, chunks: pieces(json_), open: false };
    case "tool_bad_json":
      // What an unbuffered stream can deliver: a value that lost its quotes.
      return { name: tool.name, chunks: pieces(json_.replace(/"([^"]*)"(?=[,}])/g, "$1")), open: false };
    case "tool_input_cut":
      return { name: tool.name, chunks: pieces(json_.slice(0, Math.ceil(json_.length / 2))), open: true };
    default:
      return { name: tool.name, chunks: pieces(json_), open: false };
  }
}

/** The input as the API streams it: an empty piece first, then short pieces. */
function pieces(json: string): string[] {
  const out = [""];
  for (let i = 0; i < json.length; i += PIECE_CHARS) out.push(json.slice(i, i + PIECE_CHARS));
  return out;
}

/** A plausible value for a required key: the first quoted string of the request for strings. */
function valueOf(type: string | undefined, asked: string): unknown {
  if (type === "integer" || type === "number") return 1;
  if (type === "boolean") return true;
  return /"([^"\n]{1,200})"/.exec(asked)?.[1] ?? "README.md";
}

function offeredTools(json: ParsedBody): Offered[] {
  const tools = json.ok && isRecord(json.value) && Array.isArray(json.value.tools) ? json.value.tools : [];
  return tools.filter(isRecord).map((tool) => {
    const schema = isRecord(tool.input_schema) ? tool.input_schema : {};
    const properties = isRecord(schema.properties) ? schema.properties : {};
    const types = Object.fromEntries(Object.entries(properties).map(([key, p]) => [key, isRecord(p) && typeof p.type === "string" ? p.type : "string"]));
    const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === "string") : [];
    return { name: typeof tool.name === "string" ? tool.name : "tool", required, types };
  });
}

function lastUserText(json: ParsedBody): string {
  const messages = json.ok && isRecord(json.value) && Array.isArray(json.value.messages) ? json.value.messages : [];
  const last = [...messages].reverse().find((m) => isRecord(m) && m.role === "user");
  if (!isRecord(last)) return "";
  if (typeof last.content === "string") return last.content;
  return Array.isArray(last.content) ? last.content.map((b) => (isRecord(b) && typeof b.text === "string" ? b.text : "")).join("\n") : "";
}
