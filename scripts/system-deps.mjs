#!/usr/bin/env node
// The system programs the project runs besides Node packages: Radicale (a real CalDAV server behind the
// sandbox's iCloud stand-in, for `npm start` and the tests) and Chromium (the browser tests). npm cannot
// install them, so `npm start` and `npm test` call this first (prestart / pretest): when one is missing
// and the machine can install Debian packages (root or passwordless sudo, and apt-get), it installs it;
// otherwise it stops with the one command that installs it on this platform. When everything is there it
// only looks at a few paths, so a second run costs a Node start-up.
//
//   node scripts/system-deps.mjs start   Radicale
//   node scripts/system-deps.mjs test    Radicale and Chromium
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const LOG = join(root, ".wrangler", "logs", "system-deps.log");

/** The first existing path among `candidates`. */
function firstExisting(candidates) {
	return candidates.find((path) => path !== undefined && path !== "" && existsSync(path));
}

function onPath(name) {
	return firstExisting((process.env.PATH ?? "").split(delimiter).filter((dir) => dir !== "").map((dir) => join(dir, name)));
}

/** Where Radicale is looked for: $RADICALE_BIN, PATH, /usr/bin (sandbox/radicale.ts starts what this finds). */
export function findRadicale() {
	const fromEnv = process.env.RADICALE_BIN;
	if (fromEnv !== undefined && fromEnv !== "") return existsSync(fromEnv) ? fromEnv : undefined;
	return onPath("radicale") ?? firstExisting(["/usr/bin/radicale"]);
}

/** Where the browser suite finds Chromium (test/browser/browser.ts reads the same function's answer). */
export function findChromium() {
	const fromEnv = process.env.CHROMIUM_PATH;
	if (fromEnv !== undefined && fromEnv !== "") return existsSync(fromEnv) ? fromEnv : undefined;
	return firstExisting(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium", "/Applications/Chromium.app/Contents/MacOS/Chromium"]);
}

const PROGRAMS = {
	radicale: { why: "a real CalDAV server behind the sandbox's iCloud stand-in", find: findRadicale, debian: "radicale", brew: "brew install radicale" },
	chromium: { why: "the browser tests", find: findChromium, debian: "chromium", brew: "brew install --cask chromium" },
};

function osRelease() {
	try {
		const fields = {};
		for (const line of readFileSync("/etc/os-release", "utf8").split("\n")) {
			const match = /^([A-Z_]+)=(.*)$/.exec(line);
			if (match) fields[match[1]] = match[2].replace(/^"(.*)"$/, "$1");
		}
		return fields;
	} catch {
		return {};
	}
}

/** How this machine installs Debian packages without asking anyone: as root, or through passwordless sudo. */
function aptRunner() {
	if (process.platform !== "linux" || onPath("apt-get") === undefined) return undefined;
	if (process.getuid?.() === 0) return [];
	if (onPath("sudo") !== undefined && spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0) return ["sudo", "-n"];
	return undefined;
}

/** The command a person runs on this platform, for the message when we cannot install ourselves. */
function manualCommand(names) {
	if (process.platform === "darwin") return names.map((name) => PROGRAMS[name].brew).join(" && ");
	const ubuntu = /ubuntu/.test(`${osRelease().ID ?? ""} ${osRelease().ID_LIKE ?? ""}`);
	const apt = names.filter((name) => !(ubuntu && name === "chromium")).map((name) => PROGRAMS[name].debian);
	const parts = apt.length > 0 ? [`sudo apt-get install ${apt.join(" ")}`] : [];
	// Ubuntu ships Chromium only as a snap; its apt package is a stub that installs the snap.
	if (ubuntu && names.includes("chromium")) parts.push("sudo snap install chromium");
	return parts.join(" && ");
}

function install(names, runner) {
	const packages = names.map((name) => PROGRAMS[name].debian);
	console.log(`Installing ${names.map((name) => `${name} (${PROGRAMS[name].why})`).join(" and ")} with apt-get; this happens once.`);
	mkdirSync(dirname(LOG), { recursive: true });
	const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
	let log = "";
	for (const args of [["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", ...packages]]) {
		const [command, ...rest] = [...runner, "apt-get", ...args];
		const result = spawnSync(command, rest, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
		log += `$ apt-get ${args.join(" ")}\n${result.stdout ?? ""}${result.stderr ?? ""}`;
		writeFileSync(LOG, log);
		if (result.status !== 0) {
			console.error(`apt-get ${args[0]} failed (log: ${LOG}):\n${log.trim().split("\n").slice(-8).join("\n")}`);
			process.exit(1);
		}
	}
}

function main() {
	const purpose = process.argv[2];
	const wanted = purpose === "test" ? ["radicale", "chromium"] : purpose === "start" ? ["radicale"] : undefined;
	if (wanted === undefined) {
		console.error("usage: node scripts/system-deps.mjs start|test");
		process.exit(2);
	}
	const missing = wanted.filter((name) => PROGRAMS[name].find() === undefined);
	if (missing.length === 0) return;
	const runner = aptRunner();
	const ubuntuChromium = missing.includes("chromium") && /ubuntu/.test(`${osRelease().ID ?? ""} ${osRelease().ID_LIKE ?? ""}`);
	if (runner !== undefined && !ubuntuChromium) {
		install(missing, runner);
		const still = missing.filter((name) => PROGRAMS[name].find() === undefined);
		if (still.length === 0) return;
		console.error(`apt-get finished but ${still.join(" and ")} is still not found (log: ${LOG}).`);
		process.exit(1);
	}
	const what = missing.map((name) => `${name} (${PROGRAMS[name].why})`).join(" and ");
	console.error(`Slotline needs ${what}, and cannot install ${missing.length > 1 ? "them" : "it"} here without a password. Run:\n  ${manualCommand(missing)}\nthen run npm ${purpose} again.`);
	process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
