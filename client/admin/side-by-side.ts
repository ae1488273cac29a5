// Overlapping items of one calendar column (a staff member's day) laid side by side, as calendar apps
// do: items that overlap, directly or through a chain of others, share the column's width in as many
// columns as they need at once, and each takes the leftmost one free where it starts.

/** Where an item is drawn, top to bottom, in any one unit. */
export interface Extent {
	start: number;
	end: number;
}

/** The item's column, counted from the left, of `columns` equal ones. */
export interface Placement {
	column: number;
	columns: number;
}

export function sideBySide(extents: readonly Extent[]): Placement[] {
	const placements: Placement[] = extents.map(() => ({ column: 0, columns: 1 }));
	// Earliest first; of two starting together the longer one takes the left.
	const order = extents
		.map((extent, index) => ({ extent, index }))
		.sort((a, b) => a.extent.start - b.extent.start || b.extent.end - a.extent.end || a.index - b.index);
	let group: Placement[] = [];
	/** Where the last item of each of the group's columns ends. */
	let columnEnds: number[] = [];
	let groupEnd = Number.NEGATIVE_INFINITY;
	for (const { extent, index } of order) {
		if (extent.start >= groupEnd) {
			// Nothing drawn so far reaches this item: the group before it is complete.
			for (const placement of group) placement.columns = columnEnds.length;
			group = [];
			columnEnds = [];
		}
		groupEnd = Math.max(groupEnd, extent.end);
		const free = columnEnds.findIndex((end) => end <= extent.start);
		const column = free === -1 ? columnEnds.length : free;
		columnEnds[column] = extent.end;
		const placement = placements[index];
		if (placement === undefined) continue;
		placement.column = column;
		group.push(placement);
	}
	for (const placement of group) placement.columns = columnEnds.length;
	return placements;
}
