"""HAProxy as a data plane: its runtime API, statistics and configuration."""
