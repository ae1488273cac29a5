// Current IANA names for zones that runtimes still spell the old way. ICU (V8, workerd, Chrome) names
// zones by CLDR's ids, which kept a few spellings the tz database has since replaced (Asia/Calcutta
// for Asia/Kolkata, Europe/Kiev for Europe/Kyiv), and lists those in Intl.supportedValuesOf. Imports
// nothing, so the browser bundles can use it too.

/** The renamed zones whose old name is still a runtime's preferred one (tz database `backward` file). */
const CURRENT_NAMES: Readonly<Record<string, string>> = {
	"Africa/Asmera": "Africa/Asmara",
	"America/Buenos_Aires": "America/Argentina/Buenos_Aires",
	"America/Catamarca": "America/Argentina/Catamarca",
	"America/Coral_Harbour": "America/Atikokan",
	"America/Cordoba": "America/Argentina/Cordoba",
	"America/Godthab": "America/Nuuk",
	"America/Indianapolis": "America/Indiana/Indianapolis",
	"America/Jujuy": "America/Argentina/Jujuy",
	"America/Louisville": "America/Kentucky/Louisville",
	"America/Mendoza": "America/Argentina/Mendoza",
	"Asia/Calcutta": "Asia/Kolkata",
	"Asia/Katmandu": "Asia/Kathmandu",
	"Asia/Rangoon": "Asia/Yangon",
	"Asia/Saigon": "Asia/Ho_Chi_Minh",
	"Asia/Ulan_Bator": "Asia/Ulaanbaatar",
	"Atlantic/Faeroe": "Atlantic/Faroe",
	"Europe/Kiev": "Europe/Kyiv",
	"Pacific/Enderbury": "Pacific/Kanton",
	"Pacific/Ponape": "Pacific/Pohnpei",
	"Pacific/Truk": "Pacific/Chuuk",
};

/** The current name of a zone given in its runtime spelling ("Asia/Calcutta" → "Asia/Kolkata"). */
export function currentZoneName(zone: string): string {
	return CURRENT_NAMES[zone] ?? zone;
}

/** A runtime's zone list for a picker: current names only, each once, sorted. */
export function currentZoneNames(zones: readonly string[]): string[] {
	return [...new Set(zones.map(currentZoneName))].sort();
}
