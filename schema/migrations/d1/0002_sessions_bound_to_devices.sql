-- Hand-edited: drizzle-kit drops ON DELETE from an added column's reference (deleting a device must end its sessions).
ALTER TABLE `sessions` ADD `device_id` text REFERENCES devices(id) ON DELETE cascade;--> statement-breakpoint
CREATE INDEX `sessions_device_id_idx` ON `sessions` (`device_id`);--> statement-breakpoint
ALTER TABLE `ws_tickets` ADD `device_id` text;