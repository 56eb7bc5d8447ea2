"""Qorgan: a Telegram bot for youth drug-prevention outreach in Kazakhstan (kk, ru)."""
