// Half-open interval helpers over sorted, disjoint lists: merge once, then answer overlap
// questions by binary search or a forward-moving pointer.
import type { Interval } from "./types";

/**
 * The union of several interval lists as a sorted disjoint list. Touching intervals join (the
 * union is the same set, so overlap answers do not change). Starts and ends are sorted
 * separately as plain numbers, which is several times faster than sorting objects, and then
 * swept with an open-interval counter.
 */
export function mergeIntervals(...lists: ReadonlyArray<readonly Interval[]>): Interval[] {
	let total = 0;
	for (const list of lists) total += list.length;
	const starts = new Float64Array(total);
	const ends = new Float64Array(total);
	let n = 0;
	for (const list of lists) {
		for (const interval of list) {
			if (interval.end > interval.start) {
				starts[n] = interval.start;
				ends[n] = interval.end;
				n++;
			}
		}
	}
	const s = starts.subarray(0, n).sort();
	const e = ends.subarray(0, n).sort();
	const merged: Interval[] = [];
	let open = 0;
	let openedAt = 0;
	let i = 0;
	let j = 0;
	while (j < n) {
		// On a tie a start goes first, so an interval beginning where another ends joins it.
		if (i < n && (s[i] as number) <= (e[j] as number)) {
			if (open === 0) openedAt = s[i] as number;
			open++;
			i++;
		} else {
			open--;
			if (open === 0) merged.push({ start: openedAt, end: e[j] as number });
			j++;
		}
	}
	return merged;
}

/** Index of the first interval in a sorted disjoint list that ends after `instant` (length if none). */
export function firstEndingAfter(sorted: readonly Interval[], instant: number): number {
	let lo = 0;
	let hi = sorted.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if ((sorted[mid] as Interval).end <= instant) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** The interval of a sorted disjoint list that overlaps [start, end), or undefined. */
export function findOverlap(sorted: readonly Interval[], start: number, end: number): Interval | undefined {
	const candidate = sorted[firstEndingAfter(sorted, start)];
	return candidate !== undefined && candidate.start < end ? candidate : undefined;
}

/** Whether two half-open intervals overlap; touching ends do not. */
export function overlaps(a: Interval, b: Interval): boolean {
	return a.start < b.end && b.start < a.end;
}
