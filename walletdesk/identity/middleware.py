from walletdesk.identity.sessions import SessionSecurityMiddleware

__all__ = ["SessionSecurityMiddleware"]
