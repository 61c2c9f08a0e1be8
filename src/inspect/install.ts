// Imported for its effect by the entry files: opens this process's channel for `aio ps` (see channel.ts).
import { installChannel } from "./channel.ts";
import { snapshotTasks } from "./snapshot.ts";

installChannel(snapshotTasks);
