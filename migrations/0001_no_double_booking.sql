-- No double booking, enforced by the database itself: a confirmed booking may not overlap another
-- confirmed booking of the same staff member or the same resource. Overlap is checked on the
-- buffered block [block_start, block_end), so buffers never overlap another booking's block but
-- may touch it. Any write that would break this aborts its whole D1 batch (which is how a
-- recurring series is all-or-nothing). The look-back of 7 days matches the CHECK on block length,
-- so the index range scan stays short.
CREATE TRIGGER bookings_no_overlap_insert
BEFORE INSERT ON bookings
WHEN NEW.status = 'confirmed'
BEGIN
	SELECT RAISE(ABORT, 'booking_overlap')
	WHERE EXISTS (
		SELECT 1 FROM bookings b
		WHERE b.staff_id = NEW.staff_id
			AND b.status = 'confirmed'
			AND b.block_start < NEW.block_end
			AND b.block_start > NEW.block_start - 604800000
			AND b.block_end > NEW.block_start
	) OR (NEW.resource_id IS NOT NULL AND EXISTS (
		SELECT 1 FROM bookings b
		WHERE b.resource_id = NEW.resource_id
			AND b.status = 'confirmed'
			AND b.block_start < NEW.block_end
			AND b.block_start > NEW.block_start - 604800000
			AND b.block_end > NEW.block_start
	));
END;

CREATE TRIGGER bookings_no_overlap_update
BEFORE UPDATE OF staff_id, resource_id, block_start, block_end, status ON bookings
WHEN NEW.status = 'confirmed'
BEGIN
	SELECT RAISE(ABORT, 'booking_overlap')
	WHERE EXISTS (
		SELECT 1 FROM bookings b
		WHERE b.staff_id = NEW.staff_id
			AND b.id <> NEW.id
			AND b.status = 'confirmed'
			AND b.block_start < NEW.block_end
			AND b.block_start > NEW.block_start - 604800000
			AND b.block_end > NEW.block_start
	) OR (NEW.resource_id IS NOT NULL AND EXISTS (
		SELECT 1 FROM bookings b
		WHERE b.resource_id = NEW.resource_id
			AND b.id <> NEW.id
			AND b.status = 'confirmed'
			AND b.block_start < NEW.block_end
			AND b.block_start > NEW.block_start - 604800000
			AND b.block_end > NEW.block_start
	));
END;
