/**
 * A real full file system for tests: a small tmpfs mounted on a fresh directory, and a filler file that takes every
 * free byte. Mounting needs root (or CAP_SYS_ADMIN); without it `mountSmallDisk` says why, so a test can skip.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SmallDisk {
  dir: string;
  /** Write a filler file until the file system answers ENOSPC. */
  fill(): void;
  /** Delete the filler: the disk has room again. */
  free(): void;
  unmount(): void;
}

/** A tmpfs of `sizeMb` on a new directory, or the reason it could not be mounted. */
export function mountSmallDisk(sizeMb: number): SmallDisk | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), "witness-full-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m,mode=0700`, "tmpfs", dir], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    rmdirSync(dir);
    const stderr = String((err as { stderr?: Buffer }).stderr ?? "").replace(/\s+/g, " ").trim();
    return { skip: `cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): ${stderr || (err as Error).message}` };
  }
  const filler = join(dir, "filler");
  return {
    dir,
    fill() {
      const fd = openSync(filler, "a");
      const block = Buffer.alloc(64 * 1024);
      try {
        // Bounded: a tmpfs of sizeMb holds at most sizeMb * 16 blocks of 64 KiB.
        for (let i = 0; i < sizeMb * 16 + 16; i++) writeSync(fd, block);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
      }
      // The last partial block: fill the remaining bytes one page at a time.
      try {
        for (let i = 0; i < 64; i++) writeSync(fd, block, 0, 4096);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
      } finally {
        closeSync(fd);
      }
    },
    free: () => rmSync(filler, { force: true }),
    unmount() {
      // Lazy: a child that still holds a file open must not leave the mount behind.
      execFileSync("umount", ["-l", dir]);
      rmdirSync(dir);
    },
  };
}
