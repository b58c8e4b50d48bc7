-- How a site's widget looks to visitors: accent colour, greeting, agents'
-- names or a team name (store.SiteLook as JSON). '{}' keeps the defaults.
ALTER TABLE sites ADD COLUMN look TEXT NOT NULL DEFAULT '{}';
