"""kit: the message-kit generator and publishing pipeline of Loov Võru maakond."""

__version__ = "0.1.0"
