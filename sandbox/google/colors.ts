// colors.get: Google's calendar and event palettes (event palette per docs/providers.md A6).

const EVENT_BACKGROUNDS = ["#a4bdfc", "#7ae7bf", "#dbadff", "#ff887c", "#fbd75b", "#ffb878", "#46d6db", "#e1e1e1", "#5484ed", "#51b749", "#dc2127"];
const CALENDAR_BACKGROUNDS = [
	"#ac725e", "#d06b64", "#f83a22", "#fa573c", "#ff7537", "#ffad46", "#42d692", "#16a765",
	"#7bd148", "#b3dc6c", "#fbe983", "#fad165", "#92e1c0", "#9fe1e7", "#9fc6e7", "#4986e7",
	"#9a9cff", "#b99aff", "#c2c2c2", "#cabdbf", "#cca6ac", "#f691b2", "#cd74e6", "#a47ae2",
];

function palette(backgrounds: string[]): Record<string, { background: string; foreground: string }> {
	return Object.fromEntries(backgrounds.map((background, i) => [String(i + 1), { background, foreground: "#1d1d1d" }]));
}

export function colorsResource(): Record<string, unknown> {
	return {
		kind: "calendar#colors",
		updated: "2012-02-14T00:00:00.000Z",
		calendar: palette(CALENDAR_BACKGROUNDS),
		event: palette(EVENT_BACKGROUNDS),
	};
}

export function calendarColor(colorId: string): { background: string; foreground: string } {
	return { background: CALENDAR_BACKGROUNDS[Number(colorId) - 1] ?? "#9fc6e7", foreground: "#1d1d1d" };
}
