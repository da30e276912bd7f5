"""Safety alerts raised to crews, their acknowledgements, live location, and check-in timers."""
