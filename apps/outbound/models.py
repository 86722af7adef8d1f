"""Outbound webhooks to platforms (payout paid/failed, creator suspended, KYC changed)."""
