CREATE TABLE `conversation_departures` (
	`conversation_id` text NOT NULL,
	`user_id` text NOT NULL,
	`left_at` text NOT NULL,
	PRIMARY KEY(`conversation_id`, `user_id`),
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `conversation_departures_user_id_idx` ON `conversation_departures` (`user_id`);