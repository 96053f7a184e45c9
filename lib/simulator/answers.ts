/**
 * The shapes a 200 answer takes in recorded responses besides plain text: thinking before the text, a tool call and
 * nothing else, a refusal with no content at all, and text with citations. Shared by the JSON and SSE forms.
 */
import { randomAlnum } from "./wire";

export const ANSWER_SHAPES = ["text", "thinking", "tool_use", "refusal", "citations"] as const;
export type AnswerShape = (typeof ANSWER_SHAPES)[number];

export const STOP_REASON: Record<AnswerShape, string> = {
  text: "end_turn",
  thinking: "end_turn",
  tool_use: "tool_use",
  refusal: "refusal",
  citations: "end_turn",
};

export const THINKING = ["The user wants one word back,", " exactly as given."];
// Shaped like a real signature (base64 of an opaque blob); nothing checks it.
export const SIGNATURE = "ErUBCkYIBhgCIkBm3Z0mUQd6kLhXcT0oVnC1yJ4pS8fW2eR7aG5bN9xK3uHqE1iO6tY0vP4lD2jM8sZ7wQ5rF3cA1gB9nX6hEgxS";
export const TOOL_NAME = "get_weather";
export const TOOL_INPUT = ['{"location"', ': "Par', 'is"}'];
export const CITATION = {
  type: "char_location",
  cited_text: "The reply word is the one asked for.",
  document_index: 0,
  document_title: "Probe instructions",
  start_char_index: 0,
  end_char_index: 36,
};

/** A fresh `toolu_01…` id of the recorded length. */
export function newToolUseId(): string {
  return `toolu_01${randomAlnum(22)}`;
}

/** The JSON `content` array (serialised) of a non-streaming answer of this shape saying `text`. */
export function answerContent(shape: AnswerShape, text: string): string {
  const textBlock = { type: "text", text };
  switch (shape) {
    case "text":
      return JSON.stringify([textBlock]);
    case "thinking":
      return JSON.stringify([{ type: "thinking", thinking: THINKING.join(""), signature: SIGNATURE }, textBlock]);
    case "tool_use":
      return JSON.stringify([{ type: "tool_use", id: newToolUseId(), name: TOOL_NAME, input: JSON.parse(TOOL_INPUT.join("")) }]);
    case "refusal":
      return "[]";
    case "citations":
      return JSON.stringify([{ citations: [CITATION], type: "text", text }]);
  }
}
