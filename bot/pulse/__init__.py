"""Anonymous pulse surveys: ballots that forget their authors, waves, results above k."""
