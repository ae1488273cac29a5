// The public API of the pure availability core: slot listing, single-slot checks, staff
// assignment and alternatives. No I/O; the caller passes `now`.
export { findAlternatives } from "./alternatives";
export { computeAnyoneSlots, pickStaff } from "./assign";
export { checkSlot } from "./check";
export type { CheckSlotOptions } from "./check";
export { computeSlots, horizonCutsRange } from "./slots";
export type * from "./types";
