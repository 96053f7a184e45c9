import { describe, expect, it } from "vitest";
import { modelName } from "@/lib/dashboard/models";

describe("model names in words", () => {
  it.each([
    ["claude-haiku-4-5", "Claude Haiku 4.5"],
    ["claude-opus-4-5", "Claude Opus 4.5"],
    ["claude-sonnet-4", "Claude Sonnet 4"],
    ["claude-opus-4-1-20250805", "Claude Opus 4.1 (2025-08-05)"],
    ["claude-3-5-sonnet-20241022", "Claude 3.5 Sonnet (2024-10-22)"],
    ["claude-3-7-sonnet-latest", "Claude 3.7 Sonnet"],
    ["claude-3-haiku-20240307", "Claude 3 Haiku (2024-03-07)"],
  ])("%s reads %s", (id, words) => {
    expect(modelName(id)).toBe(words);
  });

  it.each(["gpt-4o", "claude", "my.model-1", "claude-x9-2"])("leaves %s, not a Claude model id it understands, unchanged", (id) => {
    expect(modelName(id)).toBe(id);
  });
});
