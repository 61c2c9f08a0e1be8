// `mkdir -p` that tells why it failed.
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Creates a folder and its missing parents. Node's recursive `mkdirSync`
 * reports ENOENT for any failure to create a missing parent (a read-only
 * file system, a denied permission): on ENOENT each level is made on its
 * own, so the error thrown is the real one (EROFS, EACCES).
 */
export function makeFolder(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    const parent = dirname(path);
    if (parent !== path && !existsSync(parent)) makeFolder(parent);
    mkdirSync(path);
  }
}
