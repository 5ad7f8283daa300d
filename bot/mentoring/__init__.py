"""The mentorship loop after an introduction: kick-off agreement and goals, feedback between
partners, the mid-point review and the close-out.
"""
