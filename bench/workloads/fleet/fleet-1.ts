// `aio fetch` through the queue with 1 worker process (see fleet.ts).
import type { Params } from "../../lib/types.ts";
import { fleet } from "./fleet.ts";

export default function (params: Params) {
  return fleet(params, 1);
}
