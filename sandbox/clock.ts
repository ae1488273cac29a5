// Sandbox clock: real time plus an offset the control API can advance, so expiry paths are testable.

export interface Clock {
	now(): number;
	advance(ms: number): void;
}

export function createClock(): Clock {
	let offset = 0;
	return {
		now: (): number => Date.now() + offset,
		advance: (ms: number): void => {
			offset += ms;
		},
	};
}
