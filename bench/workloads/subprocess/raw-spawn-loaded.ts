// Reference point: the raw floor in a process that has loaded aio-ts (and so has its memory), without using it.
// Forking costs time in proportion to the parent's memory (its page tables are copied), so this column shows how
// much of aio's gap to the floor is the library's code and how much is the bigger process it makes.
import "aio-ts";

export { default } from "./raw-spawn.ts";
