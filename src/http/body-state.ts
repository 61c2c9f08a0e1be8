/** Where a response body stands, as its reader sees it: shared by the attempt that holds it and the exchange. */
export const UNREAD = 0;
export const READING = 1;
export const DONE = 2;
export const RELEASED = 3;
export type BodyState = typeof UNREAD | typeof READING | typeof DONE | typeof RELEASED;
