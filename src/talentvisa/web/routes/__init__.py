from talentvisa.web.routes import account, admin, applicant, employer, officer, public, settings

ROUTERS = [r.router for r in (public, account, applicant, officer, employer, admin, settings)]
