package jobgov.policy;

import org.codehaus.groovy.ast.ClassHelper;
import org.codehaus.groovy.ast.ClassNode;
import org.codehaus.groovy.ast.MethodNode;
import org.codehaus.groovy.ast.Parameter;
import org.codehaus.groovy.ast.expr.ArgumentListExpression;
import org.codehaus.groovy.ast.expr.ClassExpression;
import org.codehaus.groovy.ast.expr.Expression;
import org.codehaus.groovy.ast.expr.MethodCallExpression;
import org.codehaus.groovy.ast.tools.GeneralUtils;
import org.codehaus.groovy.control.CompilePhase;
import org.codehaus.groovy.transform.GroovyASTTransformation;
import org.codehaus.groovy.transform.ThreadInterruptibleASTTransformation;

/**
 * The check the compiler weaves into every loop, closure and method of a policy: the thread was interrupted (the
 * time budget is up) or the call allocated past its allocation budget ({@link PolicyBudget#exceeded()}); either
 * throws InterruptedException there. One direct static call, nothing allocated: Groovy's own ConditionalInterrupt
 * builds a closure object at every check, so an empty loop allocated hundreds of MiB a second and ran into the
 * allocation budget instead of the time budget.
 */
@GroovyASTTransformation(phase = CompilePhase.CANONICALIZATION)
public final class PolicyInterrupt extends ThreadInterruptibleASTTransformation {
    private static final ClassNode BUDGET = ClassHelper.make(PolicyBudget.class);
    private static final MethodNode EXCEEDED = BUDGET.getMethod("exceeded", Parameter.EMPTY_ARRAY);

    @Override
    protected Expression createCondition() {
        MethodCallExpression exceeded = new MethodCallExpression(new ClassExpression(BUDGET), "exceeded", ArgumentListExpression.EMPTY_ARGUMENTS);
        exceeded.setMethodTarget(EXCEEDED);
        return GeneralUtils.orX(super.createCondition(), exceeded);
    }
}
