import { fileURLToPath } from "node:url";
import type { ImplDef } from "./types.ts";

/**
 * Declares an implementation file that sits next to the workload file:
 * `impl(import.meta.url, "raw.ts", { id: "raw", label: "raw Promise.all" })`.
 */
export function impl(base: string, file: string, def: Omit<ImplDef, "file" | "runtime">): ImplDef {
  return {
    ...def,
    file: fileURLToPath(new URL(file, base)),
    runtime: file.endsWith(".py") ? "python" : "node",
  };
}
