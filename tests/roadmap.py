"""The original specification's verification queries, verbatim (trailing spaces trimmed): one copy for every test."""

COUNT_PROFILES_BY_ROLE = """
SELECT role, COUNT(*) FROM profiles
WHERE email LIKE '%@example.%'
GROUP BY role;
"""
COUNT_CHECK_INS_BY_ROLE = """
SELECT p.role, COUNT(c.id) as checkin_count
FROM profiles p
LEFT JOIN check_ins c ON p.id = c.user_id
WHERE p.email LIKE '%@example.%'
GROUP BY p.role;
"""
