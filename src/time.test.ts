// Zone names as Slotline stores and offers them: canonical IANA names, current spellings.
import { describe, expect, it } from "vitest";
import { ianaTimeZone } from "./time";
import { currentZoneName, currentZoneNames } from "./time-zone-names";

describe("ianaTimeZone", () => {
	it("gives the canonical name: proper case, links resolved, renamed zones by their current name", () => {
		expect(ianaTimeZone("europe/amsterdam")).toBe("Europe/Amsterdam");
		expect(ianaTimeZone("EUROPE/AMSTERDAM")).toBe("Europe/Amsterdam");
		expect(ianaTimeZone("Asia/Calcutta")).toBe("Asia/Kolkata");
		expect(ianaTimeZone("asia/kolkata")).toBe("Asia/Kolkata");
		expect(ianaTimeZone("Europe/Kiev")).toBe("Europe/Kyiv");
		expect(ianaTimeZone("Europe/Kyiv")).toBe("Europe/Kyiv");
		expect(ianaTimeZone("Asia/Saigon")).toBe("Asia/Ho_Chi_Minh");
		expect(ianaTimeZone("US/Pacific")).toBe("America/Los_Angeles");
		expect(ianaTimeZone("UTC")).toBe("UTC");
		expect(ianaTimeZone("Etc/UTC")).toBe("UTC");
	});

	it("refuses offsets and names the runtime does not know", () => {
		expect(ianaTimeZone("+05:00")).toBeNull();
		expect(ianaTimeZone("Mars/Olympus_Mons")).toBeNull();
		expect(ianaTimeZone("")).toBeNull();
	});

	it("names every zone the runtime lists by a name that is its own canonical name", () => {
		for (const zone of currentZoneNames(Intl.supportedValuesOf("timeZone"))) expect(ianaTimeZone(zone), zone).toBe(zone);
	});
});

describe("currentZoneNames", () => {
	it("lists old spellings by their current names, once each, sorted", () => {
		expect(currentZoneName("Asia/Calcutta")).toBe("Asia/Kolkata");
		expect(currentZoneName("Europe/Amsterdam")).toBe("Europe/Amsterdam");
		expect(currentZoneNames(["Europe/Kiev", "Asia/Calcutta", "Asia/Kolkata", "Africa/Abidjan"])).toEqual(["Africa/Abidjan", "Asia/Kolkata", "Europe/Kyiv"]);
	});
});
