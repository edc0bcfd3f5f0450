-- Hand-edited: D1 ignores foreign_keys=OFF (defer instead), and the old table has no `name` to copy.
PRAGMA defer_foreign_keys = on;--> statement-breakpoint
CREATE TABLE `__new_devices` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`platform` text NOT NULL,
	`push_token` text,
	`name` text,
	`created_at` text NOT NULL,
	`last_seen_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "devices_platform_check" CHECK("__new_devices"."platform" in ('android', 'ios', 'web'))
);
--> statement-breakpoint
INSERT INTO `__new_devices`("id", "user_id", "platform", "push_token", "created_at", "last_seen_at") SELECT "id", "user_id", "platform", "push_token", "created_at", "last_seen_at" FROM `devices`;--> statement-breakpoint
DROP TABLE `devices`;--> statement-breakpoint
ALTER TABLE `__new_devices` RENAME TO `devices`;--> statement-breakpoint
CREATE UNIQUE INDEX `devices_push_token_uq` ON `devices` (`push_token`);--> statement-breakpoint
CREATE INDEX `devices_user_id_idx` ON `devices` (`user_id`);