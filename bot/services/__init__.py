"""Business rules with plain values in and out: no aiogram types, so they test without Telegram."""
