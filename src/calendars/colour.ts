// The nearest colour of a provider's fixed palette (Google event colours, Outlook category presets).

/** The palette entry whose colour is nearest (in RGB) to `hex`; the first wins a tie. */
export function nearestInPalette<T>(hex: string, palette: ReadonlyArray<T>, colourOf: (entry: T) => string): T {
	const target = rgb(hex);
	let best = palette[0] as T;
	let bestDistance = Number.POSITIVE_INFINITY;
	for (const entry of palette) {
		const c = rgb(colourOf(entry));
		const distance = (c[0] - target[0]) ** 2 + (c[1] - target[1]) ** 2 + (c[2] - target[2]) ** 2;
		if (distance < bestDistance) {
			best = entry;
			bestDistance = distance;
		}
	}
	return best;
}

function rgb(hex: string): [number, number, number] {
	const value = Number.parseInt(hex.replace(/^#/, "").slice(0, 6), 16) || 0;
	return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}
