"""What handhabit reads of the machine it runs on: where files live, the clock and zone, logging."""
